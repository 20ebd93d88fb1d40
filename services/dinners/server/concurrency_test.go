package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// TestLastSeats: the parties a job invited to one dinner grow (open
// seatings take no seats yet) until together they want far more seats
// than the table has; then 52 calls race through two replicas: the
// guests' RSVPs (each sent three times) and party-size changes up and
// down. However they interleave, the confirmed parties never hold more
// seats than the table has, and the offer shows what they hold.
func TestLastSeats(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 2, serverOptions())
	const n = 8
	var guests []string
	for i := range n {
		guests = append(guests, fmt.Sprintf("g-%02d", i))
	}
	e.people(ctx, orgA, "0180", guests, []string{"h-1"})
	c := e.as(admin)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 8, date(20)))
	for _, g := range guests {
		e.mustSignUp(ctx, c, signUp(g, orgA, "0180", 2, date(20)))
	}
	job := e.runJob(ctx, c, "job-race", "0180")
	ss := seatingsOf(ctx, t, c, job.GetId())
	if len(ss) != 4 {
		t.Fatalf("got %d seatings, want 4 parties of 2 at 8 seats", len(ss))
	}
	for _, p := range ss {
		if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: p.GetId()}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: p.GetId(), Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Accept: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: p.GetSignUpId(), Party: party(4)}, UpdateMask: mask("party")}); err != nil {
			t.Fatal(err)
		}
	}
	r0, r1 := e.replica(0, admin), e.replica(1, admin)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var unexpected []error
	calls := 0
	for k, p := range ss {
		for round := range 13 {
			cl := r0
			if (k+round)%2 == 1 {
				cl = r1
			}
			wg.Add(1)
			calls++
			go func() {
				defer wg.Done()
				var err error
				if round < 3 {
					_, err = cl.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: p.GetId(), Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Accept: true})
				} else {
					size := 1 + (round*7+k)%5
					_, err = cl.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: p.GetSignUpId(), Party: party(size)}, UpdateMask: mask("party")})
				}
				switch code(err) {
				case codes.OK, codes.FailedPrecondition, codes.Aborted:
				default:
					mu.Lock()
					unexpected = append(unexpected, err)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if len(unexpected) > 0 {
		t.Fatalf("unexpected errors: %v", unexpected)
	}
	if calls < 50 {
		t.Fatalf("only %d concurrent calls", calls)
	}
	// Answers the race turned away (the size changed under them) are
	// given again, one at a time: the first party whose size fits confirms.
	for _, p := range ss {
		_, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: p.GetId(), Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Accept: true})
		if code(err) != codes.OK && code(err) != codes.FailedPrecondition {
			t.Fatalf("RSVP after the race: %v", err)
		}
	}
	// Confirmed parties never exceed the table, read from the bucket.
	taken := 0
	confirmed := 0
	for _, p := range ss {
		res, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: p.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if res.GetSeating().GetStatus() == eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
			taken += int(res.GetSeating().GetPartySize())
			confirmed++
		}
	}
	if taken > int(o.GetSeats()) {
		t.Fatalf("oversold: %d seats held by confirmed parties at a table of %d", taken, o.GetSeats())
	}
	if confirmed == 0 {
		t.Fatal("no party was confirmed")
	}
	got, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if shown := int(got.GetOffer().GetDinners()[0].GetSeatsTaken()); shown != taken {
		t.Errorf("offer shows %d seats taken, confirmed parties hold %d", shown, taken)
	}
}
