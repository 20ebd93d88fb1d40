package server_test

import (
	"context"
	"maps"
	"testing"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/guides/server"
)

// waited is an entitled Arabic speaker in Stockholm whose permit came on
// permit: the earlier, the longer they have waited, and the higher the
// engine scores them.
func waited(id, permit string) *eventsv1.ParticipantFacts {
	f := newcomer(id, "0180", "ar", typev1.Gender_GENDER_MAN)
	f.RegisteredAt, f.ResidencePermitDate = "2025-01-10T10:00:00Z", permit
	return f
}

// TestRejectedPairsLeftOutSoOthersArePlaced is the outside round's
// finding (ADR 0245, 0248) small: an Arabic unit of two places, three
// Arabic speakers. The first job proposes the two who waited longest; a
// coordinator rejects both. The next job proposed nothing before ("the
// engine chose 2 assignments, but they were proposed before"): the engine
// chose the same two and their ids were refused. Now the pairs are left
// out of its instance: the third newcomer takes a freed place and the
// job counts the 2 pairs excluded, and says of the two that their only
// unit was proposed to them before. When another organisation opens a
// place, the next job gives it to a rejected newcomer; no rejected pair
// is ever proposed again.
func TestRejectedPairsLeftOutSoOthersArePlaced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := startEnv(t, 1, server.Options{})
	e.publish(ctx,
		organisation(t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: 2}),
		registered(t, waited("p-0001", "2025-02-01")),
		registered(t, waited("p-0002", "2025-06-01")),
		registered(t, waited("p-0004", "2026-06-01")))
	e.waitKeys(ctx, "guides_newcomers", 3)
	e.waitKeys(ctx, "guides_organisations", 1)
	c := e.as(coord)

	first := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "first"})
	as := assignments(ctx, t, c, first.GetId())
	rejected := map[string]string{} // newcomer -> organisation
	for _, a := range as {
		rejected[a.GetParticipantId()] = a.GetOrganisationId()
		if _, err := c.RejectAssignment(ctx, &pb.RejectAssignmentRequest{Id: a.GetId(), Reason: proposalv1.RejectReason_REJECT_REASON_LOGISTICS}); err != nil {
			t.Fatal(err)
		}
	}
	if len(as) != 2 || rejected["p-0001"] != guideOrg || rejected["p-0002"] != guideOrg {
		t.Fatalf("first job proposed %v, want the two who waited longest in %s", rejected, guideOrg)
	}

	// again runs a job and returns whom it proposed, failing on a pair
	// that was rejected.
	again := func(req string) (*pb.Job, map[string]string) {
		t.Helper()
		j := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: req})
		got := map[string]string{}
		for _, a := range assignments(ctx, t, c, j.GetId()) {
			got[a.GetParticipantId()] = a.GetOrganisationId()
			if rejected[a.GetParticipantId()] == a.GetOrganisationId() {
				t.Errorf("%s: %s proposed again to %s, who was rejected there", req, a.GetParticipantId(), a.GetOrganisationId())
			}
		}
		return j, got
	}
	second, got := again("second")
	n := second.GetCounts()
	// Before: 0 proposals, 3 newcomers, 1 unassigned, which the web app
	// words as "the engine chose 2 assignments, but they were proposed
	// before" (emptyjob.ProposedBefore).
	if n["proposals"] != 1 || got["p-0004"] != guideOrg || n["excluded_pairs"] != 2 || n["unassigned"] != 2 {
		t.Errorf("second job: proposed %v, counts %v; want p-0004 in the freed place, 1 proposal, 2 excluded_pairs, 2 unassigned", got, n)
	}

	// The two it left out are told apart from those no unit speaks to:
	// their only unit was proposed before.
	un, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: second.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	why := map[string]pb.UnassignedReason{}
	for _, u := range un.GetUnassigned() {
		why[u.GetParticipantId()] = u.GetReason()
	}
	if want := (map[string]pb.UnassignedReason{"p-0001": pb.UnassignedReason_UNASSIGNED_REASON_PROPOSED_BEFORE,
		"p-0002": pb.UnassignedReason_UNASSIGNED_REASON_PROPOSED_BEFORE}); !maps.Equal(why, want) {
		t.Errorf("second job left out %v, want %v", why, want)
	}

	const other = "org-guide-b"
	e.publish(ctx, organisation(t, other, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: 1}))
	e.waitKeys(ctx, "guides_organisations", 2)
	third, got := again("third")
	if n := third.GetCounts(); n["proposals"] != 1 || got["p-0001"] != other {
		t.Errorf("third job: proposed %v, counts %v; want the longest waiting rejected newcomer, p-0001, with %s", got, n, other)
	}
}
