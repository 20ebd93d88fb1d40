package server_test

import (
	"fmt"
	"testing"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestReportEquity: the report's equity table counts every newcomer in
// the pool who asked for a mentor, once per dimension, and as matched
// only the one whose pair became active (not the proposals).
func TestReportEquity(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	pop := population(2, 30, 10)
	e.seed(ctx, pop)
	c := e.as(coordA)
	job := e.runJob(ctx, c, "job-eq")
	ps := pairsOf(ctx, t, c, job.GetId())
	if len(ps) == 0 {
		t.Fatal("no proposals")
	}
	id := ps[0].GetId()
	if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []eventsv1.Party{eventsv1.Party_PARTY_NEWCOMER, eventsv1.Party_PARTY_MENTOR} {
		if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: id, Party: p}); err != nil {
			t.Fatal(err)
		}
	}
	var gender typev1.Gender
	for _, n := range pop.newcomers {
		if n.GetParticipantId() == ps[0].GetParticipantId() {
			gender = n.GetGender()
		}
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		rep, err := c.GetReport(ctx, &pb.GetReportRequest{})
		if err != nil {
			return err
		}
		asked, matched := map[string]int32{}, map[string]int32{}
		for _, g := range rep.GetEquity() {
			asked[g.GetDimension()] += g.GetAsked()
			matched[g.GetDimension()] += g.GetMatched()
			if g.GetDimension() == "gender" && g.GetMatched() == 1 && g.GetGroup() != genderValue(gender) {
				return fmt.Errorf("the matched newcomer counted in gender %q, want %q", g.GetGroup(), genderValue(gender))
			}
		}
		for _, d := range []string{"gender", "language", "municipality", "age_band", "household_type"} {
			if asked[d] != int32(len(pop.newcomers)) || matched[d] != 1 {
				return fmt.Errorf("%s: %d asked, %d matched; want %d, 1", d, asked[d], matched[d], len(pop.newcomers))
			}
		}
		return nil
	})
}

func genderValue(g typev1.Gender) string {
	switch g {
	case typev1.Gender_GENDER_WOMAN:
		return "woman"
	case typev1.Gender_GENDER_MAN:
		return "man"
	}
	return ""
}
