package server_test

import (
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// TestReportEquity: of three newcomers who signed up, the one seated at a
// confirmed dinner counts as matched; the report's equity table says so
// per dimension, and never counts a sign-up twice.
func TestReportEquity(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3"}, []string{"h-1"})
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10)))
	e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 3, date(10)))
	e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 2, date(10)))
	e.mustSignUp(ctx, c, signUp("g-3", orgA, "0180", 1, date(30)))

	job := e.runJob(ctx, c, "job-eq", "0180")
	ss := seatingsOf(ctx, t, c, job.GetId())
	if len(ss) != 1 {
		t.Fatalf("%d seatings proposed, want 1 (one table of 4 on day 10)", len(ss))
	}
	seat := ss[0]
	rep, err := c.GetReport(ctx, &pb.GetReportRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range rep.GetEquity() {
		if g.GetMatched() != 0 {
			t.Errorf("before the RSVPs, %v counts a match (a proposal is not a dinner)", g)
		}
	}
	if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: seat.GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: seat.GetId(), Party: party, Accept: true}); err != nil {
			t.Fatalf("RSVP %v: %v", party, err)
		}
	}
	rep, err = c.GetReport(ctx, &pb.GetReportRequest{})
	if err != nil {
		t.Fatal(err)
	}
	asked, matched := map[string]int32{}, map[string]int32{}
	for _, g := range rep.GetEquity() {
		asked[g.GetDimension()] += g.GetAsked()
		matched[g.GetDimension()] += g.GetMatched()
		if g.GetDimension() == "municipality" && (g.GetGroup() != "0180" || g.GetShare() < 0.33 || g.GetShare() > 0.34 || g.GetMedianDays() < 10 || g.GetMedianDays() >= 11) {
			t.Errorf("municipality row %v, want 0180 with 1 of 3 seated after 10 days", g)
		}
	}
	for _, d := range []string{"gender", "language", "municipality", "household_type"} {
		if asked[d] != 3 || matched[d] != 1 {
			t.Errorf("%s: %d asked, %d seated; want 3, 1", d, asked[d], matched[d])
		}
	}
}
