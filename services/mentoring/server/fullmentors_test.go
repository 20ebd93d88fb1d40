package server_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestSecondJobNamesTheFullMentors: a second job, after the first one's
// proposals took the mentors' slots, explains a newcomer those mentors fit
// as the first did: the mentors who fit have no free slot, naming them
// with the same scores, not "no mentor with a free slot fits" (outside
// round s30; ADR 0169). A newcomer no mentor fits is still told so, and
// the second job proposes what there is room for, counting only the
// mentors with a free slot.
func TestSecondJobNamesTheFullMentors(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e := startEnv(t, 1, server.Options{})
	newcomer := func(id, lang string, interests ...string) *eventsv1.ParticipantFacts {
		return &eventsv1.ParticipantFacts{ParticipantId: id, OrganisationId: orgA, MunicipalityCode: "0180",
			Languages:    []*typev1.LanguageSkill{{Code: lang, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A, HouseholdSize: 1, Interests: interests,
			Gender:            typev1.Gender_GENDER_WOMAN,
			ConsentedPurposes: []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING},
			RegisteredAt:      "2026-01-02T10:00:00Z"}
	}
	mentor := func(id, lang string, interests ...string) *eventsv1.VolunteerFacts {
		return &eventsv1.VolunteerFacts{VolunteerId: id, OrganisationId: orgA, MunicipalityCode: "0180",
			Languages: []*typev1.LanguageSkill{{Code: lang, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}},
			Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_MENTOR, Capacity: 1}},
			Interests: interests, Gender: typev1.Gender_GENDER_WOMAN, BackgroundCheckValid: true, HouseholdSize: 1}
	}
	// p-0001 scores more with v-0001 (a shared interest) than p-0002;
	// p-0003 has v-0002 to herself; no mentor speaks p-0004's language.
	e.seed(ctx, people{
		newcomers: []*eventsv1.ParticipantFacts{newcomer("p-0001", "ar", "chess"), newcomer("p-0002", "ar"),
			newcomer("p-0003", "ti"), newcomer("p-0004", "so")},
		mentors: []*eventsv1.VolunteerFacts{mentor("v-0001", "ar", "chess"), mentor("v-0002", "ti")},
	})
	c := e.as(coordA)
	first := e.runJob(ctx, c, "first")
	if got := pairNames(pairsOf(ctx, t, c, first.GetId())); !slices.Equal(got, []string{"p-0001/v-0001", "p-0003/v-0002"}) {
		t.Fatalf("first job proposed %v", got)
	}
	was := unmatchedByID(unmatchedOf(ctx, t, c, first.GetId()))
	if u := was["p-0002"]; u.GetReason() != pb.UnmatchedReason_UNMATCHED_REASON_MENTORS_FULL || len(u.GetEligible()) != 1 ||
		u.GetEligible()[0].GetVolunteerId() != "v-0001" || u.GetEligible()[0].GetScore() != 10+40+30 {
		t.Fatalf("first job: p-0002 left out as %v", u)
	}

	// Room for one more pair, which fits neither p-0002 nor p-0004.
	e.publishAll(ctx, registrations(t, people{newcomers: []*eventsv1.ParticipantFacts{newcomer("p-0005", "uk")},
		mentors: []*eventsv1.VolunteerFacts{mentor("v-0003", "uk")}}))
	e.waitPool(ctx, 5, 3)
	second := e.runJob(ctx, c, "second")
	if got := pairNames(pairsOf(ctx, t, c, second.GetId())); !slices.Equal(got, []string{"p-0005/v-0003"}) {
		t.Errorf("second job proposed %v, want p-0005/v-0003 alone", got)
	}
	if n := second.GetCounts(); n.GetNewcomers() != 3 || n.GetBusyNewcomers() != 2 || n.GetMentors() != 1 || n.GetFreeSlots() != 1 || n.GetUnmatched() != 2 {
		t.Errorf("second job counts %v, want 3 newcomers (2 busy), 1 mentor with 1 free slot, 2 left out", n)
	}
	now := unmatchedByID(unmatchedOf(ctx, t, c, second.GetId()))
	// The same but for who holds v-0001's slot: the first job's proposal,
	// then, to the second job, an open proposal (ADR 0171).
	if diff := cmp.Diff(was["p-0002"], now["p-0002"], protocmp.Transform(),
		protocmp.IgnoreFields(&pb.Candidate{}, "held_by_proposals", "held_by_pairs", "held_by_this_job")); diff != "" {
		t.Errorf("p-0002 left out otherwise by the second job (-first +second):\n%s", diff)
	}
	for k, j := range []map[string]*pb.UnmatchedNewcomer{was, now} {
		c := j["p-0002"].GetEligible()[0]
		if got, want := []int32{c.GetHeldByProposals(), c.GetHeldByPairs(), c.GetHeldByThisJob()}, [][]int32{{0, 0, 1}, {1, 0, 0}}[k]; !slices.Equal(got, want) {
			t.Errorf("job %d: v-0001's slot held by proposals, pairs, this job: %v, want %v", k+1, got, want)
		}
	}
	for _, j := range []map[string]*pb.UnmatchedNewcomer{was, now} {
		if u := j["p-0004"]; u.GetReason() != pb.UnmatchedReason_UNMATCHED_REASON_NO_ELIGIBLE_MENTOR || len(u.GetEligible()) != 0 {
			t.Errorf("p-0004, whom no mentor fits, left out as %v", u)
		}
	}
}

// pairNames renders a job's proposals as sorted "newcomer/mentor".
func pairNames(ps []*pb.Pair) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.GetParticipantId()+"/"+p.GetVolunteerId())
	}
	slices.Sort(out)
	return out
}

func unmatchedByID(us []*pb.UnmatchedNewcomer) map[string]*pb.UnmatchedNewcomer {
	out := map[string]*pb.UnmatchedNewcomer{}
	for _, u := range us {
		out[u.GetParticipantId()] = u
	}
	return out
}
