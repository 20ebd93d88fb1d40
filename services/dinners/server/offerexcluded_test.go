package server_test

import (
	"context"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
)

// TestTurnedDownIsOfTheHostsOffer (ADR 0263): one host offers dinners on
// two dates; two parties free on both are proposed, one on each. A
// coordinator rejects one pairing (poor fit) and the host declines the
// other (the home does not suit). The next job proposes neither party to
// that host's other date, leaves both out as PROPOSED_BEFORE and counts
// the four (party, dinner) pairs. Before, it proposed each to the date
// it had not been proposed on. A third party whose confirmed seat was
// cancelled by the guest turned no one down: it is proposed to the
// host's other date.
func TestTurnedDownIsOfTheHostsOffer(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3"}, []string{"h-1"})
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 2, date(10), date(12)))
	rejected := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10), date(12)))
	declined := e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 2, date(10), date(12)))
	first := seatingsOf(ctx, t, c, e.runJob(ctx, c, "first", "0180").GetId())
	if len(first) != 2 {
		t.Fatalf("first job: got %v, want both parties at h-1's two dinners", first)
	}
	for _, s := range first {
		switch s.GetSignUpId() {
		case rejected.GetId():
			if _, err := c.RejectSeating(ctx, &pb.RejectSeatingRequest{Id: s.GetId(), Reason: proposalv1.RejectReason_REJECT_REASON_POOR_FIT}); err != nil {
				t.Fatal(err)
			}
		case declined.GetId():
			if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: s.GetId()}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: s.GetId(), Party: eventsv1.DinnerParty_DINNER_PARTY_HOST,
				DeclineReason: eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_HOUSEHOLD}); err != nil {
				t.Fatal(err)
			}
		}
	}
	second := e.runJob(ctx, c, "second", "0180")
	if ss := seatingsOf(ctx, t, c, second.GetId()); len(ss) != 0 {
		for _, s := range ss {
			t.Errorf("second job proposed %s to h-1's dinner on %s, a host that turned it down", s.GetSignUpId(), s.GetDate())
		}
	}
	if n := second.GetCounts().GetExcludedPairs(); n != 4 {
		t.Errorf("second job: %d pairs counted as proposed before, want 4 (two parties, h-1's two dinners)", n)
	}
	wantUnseated(ctx, t, c, second.GetId(), map[string]pb.UnseatedReason{
		rejected.GetId(): pb.UnseatedReason_UNSEATED_REASON_PROPOSED_BEFORE,
		declined.GetId(): pb.UnseatedReason_UNSEATED_REASON_PROPOSED_BEFORE,
	})

	// A seat cancelled by the guest after both accepted: not a turn-down.
	cancelled := e.mustSignUp(ctx, c, signUp("g-3", orgA, "0180", 2, date(10), date(12)))
	third := seatingsOf(ctx, t, c, e.runJob(ctx, c, "third", "0180").GetId())
	if len(third) != 1 || third[0].GetSignUpId() != cancelled.GetId() {
		t.Fatalf("third job: got %v, want g-3 at one of h-1's dinners", third)
	}
	s := third[0]
	if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: s.GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_HOST, eventsv1.DinnerParty_DINNER_PARTY_GUEST} {
		if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: s.GetId(), Party: who, Accept: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CancelSeating(ctx, &pb.CancelSeatingRequest{Id: s.GetId()}); err != nil {
		t.Fatal(err)
	}
	fourth := seatingsOf(ctx, t, c, e.runJob(ctx, c, "fourth", "0180").GetId())
	if len(fourth) != 1 || fourth[0].GetSignUpId() != cancelled.GetId() || fourth[0].GetDate() == s.GetDate() {
		t.Errorf("fourth job: got %v, want g-3 at h-1's other dinner (not %s)", fourth, s.GetDate())
	}
}
