package server_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestListUnassigned runs a job that leaves entitled newcomers without a
// guide: two Arabic speakers beyond the one Arabic place (units full, the
// unit named), and a Somali speaker no unit speaks (no eligible unit). The
// list names exactly them with those reasons, page by page; another
// organisation's coordinator and an operator get nothing.
func TestListUnassigned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	e.publish(ctx,
		organisation(t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: 1}),
		registered(t, newcomer("p-0001", "0180", "ar", typev1.Gender_GENDER_WOMAN)),
		registered(t, newcomer("p-0002", "0180", "ar", typev1.Gender_GENDER_MAN)),
		registered(t, newcomer("p-0003", "0180", "ar", typev1.Gender_GENDER_MAN)),
		registered(t, newcomer("p-0004", "0180", "so", typev1.Gender_GENDER_WOMAN)))
	e.waitKeys(ctx, "guides_newcomers", 4)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)
	job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "left"})
	if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED || job.GetCounts()["unassigned"] != 3 {
		t.Fatalf("job: %v %q, counts %v; want succeeded with 3 unassigned", job.GetState(), job.GetErrorMessage(), job.GetCounts())
	}
	placed := map[string]bool{}
	for _, a := range assignments(ctx, t, c, job.GetId()) {
		placed[a.GetParticipantId()] = true
	}

	var got []*pb.UnassignedNewcomer
	tok, pages := "", 0
	for {
		res, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job.GetId(), PageSize: 2, PageToken: tok})
		if err != nil {
			t.Fatal(err)
		}
		if res.GetTotalSize() != 3 {
			t.Errorf("total_size %d, want 3", res.GetTotalSize())
		}
		got = append(got, res.GetUnassigned()...)
		pages++
		if tok = res.GetNextPageToken(); tok == "" {
			break
		}
	}
	if len(got) != 3 || pages != 2 {
		t.Fatalf("%d unassigned on %d pages, want 3 on 2", len(got), pages)
	}
	for k, u := range got {
		if k > 0 && got[k-1].GetParticipantId() >= u.GetParticipantId() {
			t.Errorf("not in participant id order: %s after %s", u.GetParticipantId(), got[k-1].GetParticipantId())
		}
		if placed[u.GetParticipantId()] {
			t.Errorf("%s has a proposal and is listed as unassigned", u.GetParticipantId())
		}
		if u.GetMunicipalityCode() != "0180" {
			t.Errorf("%s: municipality %q", u.GetParticipantId(), u.GetMunicipalityCode())
		}
		switch u.GetParticipantId() {
		case "p-0004":
			if u.GetReason() != pb.UnassignedReason_UNASSIGNED_REASON_NO_ELIGIBLE_UNIT || len(u.GetFullUnits()) != 0 {
				t.Errorf("the Somali speaker: %v, units %v; want NO_ELIGIBLE_UNIT and none", u.GetReason(), u.GetFullUnits())
			}
		default:
			if u.GetReason() != pb.UnassignedReason_UNASSIGNED_REASON_UNITS_FULL || len(u.GetFullUnits()) != 1 ||
				u.GetFullUnits()[0].GetOrganisationId() != guideOrg || u.GetFullUnits()[0].GetLanguage() != "ar" {
				t.Errorf("%s: %v, units %v; want UNITS_FULL naming %s's Arabic unit", u.GetParticipantId(), u.GetReason(), u.GetFullUnits(), guideOrg)
			}
		}
	}

	other := auth.Claims{Subject: "u-other", Role: auth.RoleCoordinator, Organisation: "org-other", Municipalities: []string{"0180"}}
	for name, cl := range map[string]auth.Claims{"another organisation's coordinator": other, "a coordinator elsewhere": coordFar, "operator": operator} {
		res, err := e.as(cl).ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job.GetId()})
		switch code(err) {
		case codes.NotFound, codes.PermissionDenied:
		default:
			t.Errorf("as %s: %d rows (%v), want NotFound or PermissionDenied", name, len(res.GetUnassigned()), err)
		}
	}
	if _, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: "0000000000000000000000000A"}); code(err) != codes.NotFound {
		t.Errorf("an unknown job: %v, want NotFound", err)
	}

	// Erased since: no longer listed nor counted.
	e.publish(ctx, envelope(t, events.ParticipantErased, "p-0004", &eventsv1.ParticipantErased{ParticipantId: "p-0004"}))
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		res, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job.GetId()})
		if err != nil {
			return err
		}
		for _, u := range res.GetUnassigned() {
			if u.GetParticipantId() == "p-0004" {
				return errorf("the erased newcomer is still listed")
			}
		}
		if res.GetTotalSize() != 2 || len(res.GetUnassigned()) != 2 {
			return errorf("total %d, %d rows; want 2 and 2", res.GetTotalSize(), len(res.GetUnassigned()))
		}
		return nil
	})
}
