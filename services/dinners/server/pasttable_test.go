package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPastSeatingTableAtOnce (ADR 0280): many parties recorded at one
// host's table for one evening at the same moment, through two replicas,
// never take more seats than the dinner has. A table of 5 takes two
// parties of 2; of six sent at once, two are seated and four refused
// FailedPrecondition, evening after evening; each seated record sent again
// answers its seating. Before the claim on the table's seats, every call
// passed the read of the seats left together and the table was overfilled.
func TestPastSeatingTableAtOnce(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 2, serverOptions())
	const parties, evenings = 6, 6
	var guests []string
	for k := range parties {
		guests = append(guests, fmt.Sprintf("g-%d", k))
	}
	e.people(ctx, orgA, "0180", guests, []string{"h-1"})
	c := e.as(coordA)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 5, date(10)))
	sus := make([]*pb.SignUp, parties)
	for k, g := range guests {
		sus[k] = e.mustSignUp(ctx, c, signUp(g, orgA, "0180", 2, date(10)))
	}
	e.clock.Add(30 * 24 * time.Hour) // today is date(30)
	a := []pb.DinnerServiceClient{e.replica(0, admin), e.replica(1, admin)}
	overfilled := 0
	for n := range evenings {
		d := date(20 + n)
		var wg sync.WaitGroup
		errs := make([]error, parties)
		start := make(chan struct{})
		for k, su := range sus {
			wg.Go(func() {
				<-start
				_, errs[k] = recordPast(ctx, a[k%2], su.GetId(), o.GetId(), d)
			})
		}
		close(start)
		wg.Wait()
		var seated []int
		for k, err := range errs {
			switch {
			case err == nil:
				seated = append(seated, k)
			case code(err) != codes.FailedPrecondition:
				t.Errorf("%s, party %d: %v", d, k, err)
			}
		}
		// Replica 0's list shows replica 1's seatings a moment later.
		taken := 0
		testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
			list, err := c.ListSeatings(ctx, &pb.ListSeatingsRequest{OfferId: o.GetId(),
				Statuses: []eventsv1.SeatingStatus{eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED}})
			if err != nil {
				return err
			}
			taken = 0
			for _, p := range list.GetSeatings() {
				if p.GetDate() == d {
					taken += int(p.GetPartySize())
				}
			}
			if taken < 2*len(seated) {
				return fmt.Errorf("%s: %d seats listed, %d parties of 2 answered OK", d, taken, len(seated))
			}
			return nil
		})
		if taken > 5 || len(seated) != 2 || taken != 4 {
			overfilled++
			t.Errorf("%s: %d parties answered OK, %d seats taken of 5; want 2 and 4", d, len(seated), taken)
		}
		for _, k := range seated {
			if p, err := recordPast(ctx, a[(k+1)%2], sus[k].GetId(), o.GetId(), d); err != nil ||
				p.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
				t.Errorf("%s, party %d again (a retry): %v, %v", d, k, p, err)
			}
		}
	}
	t.Logf("%d of %d evenings overfilled or short", overfilled, evenings)
}

// TestPastTableCountsAJobsSeating: a job's seating confirmed while its
// dinner was ahead holds nothing in the past table's counter, yet takes
// its seats there once the day has passed (and once held): a record
// counts it (ADR 0280).
func TestPastTableCountsAJobsSeating(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3"}, []string{"h-1"})
	c, a := e.as(coordA), e.as(admin)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10)))
	e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 3, date(10)))
	ss := seatingsOf(ctx, t, c, e.runJob(ctx, c, "table", "0180").GetId())
	if len(ss) != 1 {
		t.Fatalf("seatings: %v", ss)
	}
	confirm(ctx, t, c, ss[0].GetId())
	s2 := e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 2, date(10)))
	s3 := e.mustSignUp(ctx, c, signUp("g-3", orgA, "0180", 1, date(10)))
	e.clock.Add(20 * 24 * time.Hour)
	if _, err := recordPast(ctx, a, s2.GetId(), o.GetId(), date(10)); code(err) != codes.FailedPrecondition {
		t.Errorf("2 more at a table of 4 with the job's 3: got %v, want FailedPrecondition", err)
	}
	if _, err := recordPast(ctx, a, s3.GetId(), o.GetId(), date(10)); err != nil {
		t.Errorf("1 more at a table of 4 with the job's 3: %v", err)
	}
}

// confirm approves seating id and answers yes for both sides.
func confirm(ctx context.Context, t *testing.T, c pb.DinnerServiceClient, id string) {
	t.Helper()
	if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: id, Party: party, Accept: true}); err != nil {
			t.Fatal(err)
		}
	}
}
