package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestFullUnitSaysWhoHoldsThePlaces: an Arabic unit of two places and
// three Arabic speakers. The first job proposes two and says of the third
// that the unit's places went to this job's proposals. One assignment is
// approved and accepted by both (an assignment), the other stays an open
// proposal: the next job says of the third that one place is held by an
// open proposal a coordinator can reject and one by an assignment (ADR
// 0171). Once the newcomer of the open proposal is erased, the stored
// result still gives the counts and does not name them (counts only).
func TestFullUnitSaysWhoHoldsThePlaces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	e.publish(ctx,
		organisation(t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: 2}),
		registered(t, newcomer("p-0001", "0180", "ar", typev1.Gender_GENDER_WOMAN)),
		registered(t, newcomer("p-0002", "0180", "ar", typev1.Gender_GENDER_MAN)),
		registered(t, newcomer("p-0003", "0180", "ar", typev1.Gender_GENDER_MAN)))
	e.waitKeys(ctx, "guides_newcomers", 3)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	// held is the one full unit named to the one newcomer job left out.
	held := func(job string) (string, *pb.FullUnit) {
		t.Helper()
		res, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.GetUnassigned()) != 1 || res.GetUnassigned()[0].GetReason() != pb.UnassignedReason_UNASSIGNED_REASON_UNITS_FULL ||
			len(res.GetUnassigned()[0].GetFullUnits()) != 1 {
			t.Fatalf("unassigned: %v, want one newcomer as UNITS_FULL naming the unit", res.GetUnassigned())
		}
		return res.GetUnassigned()[0].GetParticipantId(), res.GetUnassigned()[0].GetFullUnits()[0]
	}
	first := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "first"})
	out, u := held(first.GetId())
	if u.GetHeldByProposals() != 0 || u.GetHeldByAssignments() != 0 || u.GetHeldByThisJob() != 2 {
		t.Errorf("first job: unit held by %d proposals, %d assignments, %d of this job; want 0, 0, 2", u.GetHeldByProposals(), u.GetHeldByAssignments(), u.GetHeldByThisJob())
	}
	as := assignments(ctx, t, c, first.GetId())
	if len(as) != 2 {
		t.Fatalf("%d assignments, want 2", len(as))
	}
	taken, open := as[0], as[1]
	if _, err := c.ApproveAssignment(ctx, &pb.ApproveAssignmentRequest{Id: taken.GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []pb.AcceptingParty{pb.AcceptingParty_ACCEPTING_PARTY_NEWCOMER, pb.AcceptingParty_ACCEPTING_PARTY_ORGANISATION} {
		if _, err := c.AcceptAssignment(ctx, &pb.AcceptAssignmentRequest{Id: taken.GetId(), Party: p}); err != nil {
			t.Fatal(err)
		}
	}

	second := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "second"})
	again, u := held(second.GetId())
	if again != out || u.GetHeldByProposals() != 1 || u.GetHeldByAssignments() != 1 || u.GetHeldByThisJob() != 0 {
		t.Errorf("second job: %s left out, unit held by %d proposals, %d assignments, %d of this job; want %s, 1, 1, 0",
			again, u.GetHeldByProposals(), u.GetHeldByAssignments(), u.GetHeldByThisJob(), out)
	}

	gone := open.GetParticipantId()
	e.publish(ctx, envelope(t, events.ParticipantErased, gone, &eventsv1.ParticipantErased{ParticipantId: gone}))
	obj, err := e.nats.JS.ObjectStore(ctx, "guides_jobdata")
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		list, err := obj.List(ctx)
		if err != nil {
			return err
		}
		for _, info := range list {
			raw, err := obj.GetBytes(ctx, info.Name)
			if err != nil {
				return errorf("job object %s: %v", info.Name, err)
			}
			if strings.Contains(string(raw), gone) {
				return errorf("job object %s still names the erased newcomer", info.Name)
			}
		}
		return nil
	})
	if _, u := held(second.GetId()); u.GetHeldByProposals() != 1 || u.GetHeldByAssignments() != 1 {
		t.Errorf("after the erasure: unit held by %d proposals, %d assignments; want the counts as they were, 1 and 1", u.GetHeldByProposals(), u.GetHeldByAssignments())
	}
}
