package server_test

import (
	"context"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
)

// TestFullDinnerExplained: a dinner whose seats an earlier job's approved
// seating took stays in the next job's snapshot with no free seat (ADR
// 0165). A party whose only date is that dinner's is left out because the
// dinners that fit are full, not "no dinner on any of their dates" (what a
// coordinator read before, and went looking for hosts on other dates); a
// party that fits it and a dinner with room sits at the one with room; a
// party that lost the seats with room to that one is told the seats went
// to other parties. The job's counts name only the dinner with seats.
func TestFullDinnerExplained(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3", "g-4"}, []string{"h-1", "h-2"})
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 2, date(10)))
	open := e.mustOffer(ctx, c, offer("h-2", orgA, "0180", 4, date(12)))
	e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10)))
	first := seatingsOf(ctx, t, c, e.runJob(ctx, c, "first", "0180").GetId())
	if len(first) != 1 || first[0].GetDate() != date(10) {
		t.Fatalf("first job: got %v, want g-1 at h-1's dinner", first)
	}
	if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: first[0].GetId()}); err != nil {
		t.Fatal(err)
	}

	onlyFull := e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 1, date(10)))
	both := e.mustSignUp(ctx, c, signUp("g-3", orgA, "0180", 1, date(10), date(12)))
	lost := signUp("g-4", orgA, "0180", 4, date(12)) // with g-3 one more than h-2's 4 seats; not first time, so scores less
	lost.FirstTime = false
	lost = e.mustSignUp(ctx, c, lost)
	job := e.runJob(ctx, c, "second", "0180")
	if k := job.GetCounts(); k.GetParties() != 3 || k.GetDinners() != 1 || k.GetFreeSeats() != 4 || k.GetProposals() != 1 || k.GetUnseated() != 2 {
		t.Errorf("counts: got %v, want 3 parties, 1 dinner with 4 free seats, 1 proposal, 2 unseated", k)
	}
	ss := seatingsOf(ctx, t, c, job.GetId())
	if len(ss) != 1 || ss[0].GetSignUpId() != both.GetId() || ss[0].GetOfferId() != open.GetId() || ss[0].GetDate() != date(12) {
		t.Fatalf("seatings: got %v, want g-3 at h-2's dinner on %s", ss, date(12))
	}
	wantUnseated(ctx, t, c, job.GetId(), map[string]pb.UnseatedReason{
		onlyFull.GetId(): pb.UnseatedReason_UNSEATED_REASON_DINNERS_FULL,
		lost.GetId():     pb.UnseatedReason_UNSEATED_REASON_SEATS_TAKEN,
	})
}
