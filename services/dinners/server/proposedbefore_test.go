package server_test

import (
	"context"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
)

// TestProposedBeforeExplained: a job never proposes a party at a dinner it
// was proposed at before (the snapshot's exclusions). A party whose only
// dinner in reach turned it down is left out as PROPOSED_BEFORE, not "no
// host in reach", which sent a coordinator looking for hosts that are
// there (ADR 0252); a party turned down at the same dinner that has
// another dinner in reach is seated there; one whose other dinner is full
// is left out because the dinners are full, which a coordinator can act
// on. Each job counts the pairs it left out, for its sentence (ADR 0257).
func TestProposedBeforeExplained(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3", "g-4"}, []string{"h-1", "h-2", "h-3"})
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 8, date(10)))
	only := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10)))
	other := e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 2, date(10), date(12)))
	full := signUp("g-3", orgA, "0180", 2, date(10), date(14)) // not first time: scores less than g-4 below
	full.FirstTime = false
	full = e.mustSignUp(ctx, c, full)
	first := seatingsOf(ctx, t, c, e.runJob(ctx, c, "first", "0180").GetId())
	if len(first) != 3 {
		t.Fatalf("first job: got %v, want the three parties at h-1's dinner", first)
	}
	for _, s := range first {
		if _, err := c.RejectSeating(ctx, &pb.RejectSeatingRequest{Id: s.GetId(), Reason: proposalv1.RejectReason_REJECT_REASON_LOGISTICS}); err != nil {
			t.Fatal(err)
		}
	}
	// Another dinner for g-2's other date, and one for g-3's whose seats
	// an approved seating of g-4 holds.
	e.mustOffer(ctx, c, offer("h-2", orgA, "0180", 4, date(12)))
	e.mustOffer(ctx, c, offer("h-3", orgA, "0180", 2, date(14)))
	e.mustSignUp(ctx, c, signUp("g-4", orgA, "0180", 2, date(14)))
	second := e.runJob(ctx, c, "held", "0180")
	// The three pairs rejected at h-1's dinner, which is in this job's
	// snapshot, are counted as left out (ADR 0257).
	if n := second.GetCounts().GetExcludedPairs(); n != 3 {
		t.Errorf("second job: %d pairs counted as proposed before, want 3 (g-1, g-2 and g-3 at h-1's dinner)", n)
	}
	held := seatingsOf(ctx, t, c, second.GetId())
	if len(held) != 2 {
		t.Fatalf("second job: got %v, want g-2 at h-2's dinner and g-4 at h-3's", held)
	}
	for _, s := range held {
		if s.GetDate() == date(14) {
			if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: s.GetId()}); err != nil {
				t.Fatal(err)
			}
		} else if s.GetSignUpId() != other.GetId() || s.GetDate() != date(12) {
			t.Errorf("second job seated %s on %s, want g-2 on %s", s.GetSignUpId(), s.GetDate(), date(12))
		} else if _, err := c.RejectSeating(ctx, &pb.RejectSeatingRequest{Id: s.GetId(), Reason: proposalv1.RejectReason_REJECT_REASON_LOGISTICS}); err != nil {
			t.Fatal(err)
		}
	}
	// g-2 rejected at h-2's too now; a third host on g-2's date.
	e.people(ctx, orgA, "0180", nil, []string{"h-4"})
	e.mustOffer(ctx, c, offer("h-4", orgA, "0180", 4, date(12)))
	job := e.runJob(ctx, c, "third", "0180")
	ss := seatingsOf(ctx, t, c, job.GetId())
	if len(ss) != 1 || ss[0].GetSignUpId() != other.GetId() || ss[0].GetDate() != date(12) {
		t.Errorf("third job: got %v, want g-2 at h-4's dinner on %s", ss, date(12))
	}
	// g-2's two rejections and g-1's and g-3's; g-4 is seated and waits
	// for nothing, so its pair is not counted.
	if n := job.GetCounts().GetExcludedPairs(); n != 4 {
		t.Errorf("third job: %d pairs counted as proposed before, want 4", n)
	}
	wantUnseated(ctx, t, c, job.GetId(), map[string]pb.UnseatedReason{
		only.GetId(): pb.UnseatedReason_UNSEATED_REASON_PROPOSED_BEFORE,
		full.GetId(): pb.UnseatedReason_UNSEATED_REASON_DINNERS_FULL,
	})
}
