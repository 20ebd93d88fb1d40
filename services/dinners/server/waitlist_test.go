package server_test

import (
	"context"
	"testing"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
)

// TestWaitlistAndHostNeed: parties waiting per municipality, how long,
// and how many more host seats on which dates would seat them; a seated
// party leaves the waitlist.
func TestWaitlistAndHostNeed(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3"}, []string{"h-1"})
	e.people(ctx, orgA, "0184", []string{"g-4"}, nil)
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(7)))
	e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 3, date(7), date(14)))
	e.clock.Add(48 * time.Hour)
	e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 2, date(7)))
	e.mustSignUp(ctx, c, signUp("g-3", orgA, "0180", 5, date(14)))
	e.mustSignUp(ctx, c, signUp("g-4", orgA, "0184", 1, date(9)))
	e.clock.Add(24 * time.Hour)

	rows := waitlist(ctx, t, c)
	sto, sol := rows["0180"], rows["0184"]
	if sto.GetParties() != 3 || sto.GetGuests() != 10 || sto.GetFreeSeats() != 4 || sto.GetMaxWaitDays() != 3 || sto.GetMedianWaitDays() != 1 {
		t.Errorf("0180 before the job: %v", sto)
	}
	// Day 7: 3 + 2 guests want 4 seats -> 1 more; day 14: 5 guests, no
	// dinner -> 5 more.
	want := map[string]int32{date(7): 1, date(14): 5}
	if sto.GetSeatsNeeded() != 6 || len(sto.GetNeedByDate()) != 2 {
		t.Errorf("0180 need: %v", sto)
	}
	for _, n := range sto.GetNeedByDate() {
		if want[n.GetDate()] != n.GetSeats() {
			t.Errorf("need on %s: got %d, want %d", n.GetDate(), n.GetSeats(), want[n.GetDate()])
		}
	}
	if sol.GetParties() != 1 || sol.GetSeatsNeeded() != 1 {
		t.Errorf("0184: %v", sol)
	}

	job := e.runJob(ctx, c, "wait", "0180")
	if job.GetCounts().GetProposals() != 1 {
		t.Fatalf("proposals: %v", job.GetCounts())
	}
	// The seated party left the waitlist and its seats are no longer free.
	got := waitlist(ctx, t, c)["0180"]
	if seated := sto.GetGuests() - got.GetGuests(); got.GetParties() != 2 || seated == 0 || got.GetFreeSeats() != 4-seated {
		t.Errorf("0180 after the job: %v", got)
	}
}

func waitlist(ctx context.Context, t *testing.T, c pb.DinnerServiceClient) map[string]*pb.WaitlistRow {
	t.Helper()
	res, err := c.GetWaitlist(ctx, &pb.GetWaitlistRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*pb.WaitlistRow{}
	for _, r := range res.GetRows() {
		out[r.GetMunicipalityCode()] = r
	}
	return out
}
