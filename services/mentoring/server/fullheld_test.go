package server_test

import (
	"bytes"
	"testing"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestFullMentorSaysWhoHoldsTheSlots: a mentor of two slots fits three
// newcomers. The first job proposes the two who score more and says of the
// third that the mentor's slots went to this job's proposals. One of the
// two pairs is approved and accepted by both (active), the other stays an
// open proposal: the next job says of the third that one slot is held by
// an open proposal a coordinator can reject and one by a pair (ADR 0171).
// Once the newcomer of the open proposal is erased, the stored result
// still gives the counts and does not name them (counts only).
func TestFullMentorSaysWhoHoldsTheSlots(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	// In clear: the test reads the stored result's bytes.
	e := startEnvSealed(t, 1, server.Options{}, false)
	newcomer := func(id string, interests ...string) *eventsv1.ParticipantFacts {
		return &eventsv1.ParticipantFacts{ParticipantId: id, OrganisationId: orgA, MunicipalityCode: "0180",
			Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A, HouseholdSize: 1, Interests: interests,
			Gender:            typev1.Gender_GENDER_WOMAN,
			ConsentedPurposes: []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING},
			RegisteredAt:      "2026-01-02T10:00:00Z"}
	}
	e.seed(ctx, people{
		newcomers: []*eventsv1.ParticipantFacts{newcomer("p-0001", "chess"), newcomer("p-0002", "chess"), newcomer("p-0003")},
		mentors: []*eventsv1.VolunteerFacts{{VolunteerId: "v-0001", OrganisationId: orgA, MunicipalityCode: "0180",
			Languages: []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}},
			Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 2}},
			Interests: []string{"chess"}, Gender: typev1.Gender_GENDER_WOMAN, BackgroundCheckValid: true, HouseholdSize: 1}},
	})
	c := e.as(coordA)
	held := func(jobID string) *pb.Candidate {
		t.Helper()
		u := unmatchedByID(unmatchedOf(ctx, t, c, jobID))["p-0003"]
		if u.GetReason() != pb.UnmatchedReason_UNMATCHED_REASON_MENTORS_FULL || len(u.GetEligible()) != 1 || u.GetEligible()[0].GetVolunteerId() != "v-0001" {
			t.Fatalf("p-0003 left out as %v, want MENTORS_FULL naming v-0001", u)
		}
		return u.GetEligible()[0]
	}
	first := e.runJob(ctx, c, "first")
	ps := pairsOf(ctx, t, c, first.GetId())
	if got := pairNames(ps); len(got) != 2 || got[0] != "p-0001/v-0001" || got[1] != "p-0002/v-0001" {
		t.Fatalf("first job proposed %v", got)
	}
	if h := held(first.GetId()); h.GetHeldByProposals() != 0 || h.GetHeldByPairs() != 0 || h.GetHeldByThisJob() != 2 {
		t.Errorf("first job: v-0001 held by %d proposals, %d pairs, %d of this job; want 0, 0, 2", h.GetHeldByProposals(), h.GetHeldByPairs(), h.GetHeldByThisJob())
	}
	active := ps[0].GetId()
	if ps[0].GetParticipantId() != "p-0001" {
		active = ps[1].GetId()
	}
	if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: active}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.Party{eventsv1.Party_PARTY_NEWCOMER, eventsv1.Party_PARTY_MENTOR} {
		res, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: active, Party: party})
		if err != nil {
			t.Fatal(err)
		}
		if party == eventsv1.Party_PARTY_MENTOR && res.GetPair().GetStatus() != eventsv1.PairStatus_PAIR_STATUS_ACTIVE {
			t.Fatalf("p-0001's pair is %v, want active", res.GetPair().GetStatus())
		}
	}

	second := e.runJob(ctx, c, "second")
	h := held(second.GetId())
	if h.GetHeldByProposals() != 1 || h.GetHeldByPairs() != 1 || h.GetHeldByThisJob() != 0 {
		t.Errorf("second job: v-0001 held by %d proposals, %d pairs, %d of this job; want 1, 1, 0", h.GetHeldByProposals(), h.GetHeldByPairs(), h.GetHeldByThisJob())
	}

	e.publishAll(ctx, []*eventsv1.Envelope{envelope(t, events.ParticipantErased, "p-0002", &eventsv1.ParticipantErased{ParticipantId: "p-0002"})})
	settled(ctx, t, e)
	if raw := storedResult(ctx, t, e, second.GetId()); bytes.Contains(raw, []byte("p-0002")) {
		t.Error("the stored result names the erased newcomer of the open proposal")
	}
	if h := held(second.GetId()); h.GetHeldByProposals() != 1 || h.GetHeldByPairs() != 1 {
		t.Errorf("after the erasure: v-0001 held by %d proposals, %d pairs; want the counts as they were, 1 and 1", h.GetHeldByProposals(), h.GetHeldByPairs())
	}
}
