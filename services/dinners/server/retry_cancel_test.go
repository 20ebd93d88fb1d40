package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRetriedCancelStands (ADR 0280): a cancel sent again after its
// answer was lost stands, with its request id or without one: OK with the
// seating as the first call left it, one cancelled event, the seats freed
// once. A cancel with another request id (a different, later cancel) is
// refused as before, and so is a cancel of a seating the sign-up's
// removal cancelled. Before, the seating kept no reason and no request
// id, and every cancel sent again was FailedPrecondition.
func TestRetriedCancelStands(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3"}, []string{"h-1"})
	c := e.as(coordA)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 6, date(10)))
	sus := map[string]*pb.SignUp{}
	for _, g := range []string{"g-1", "g-2", "g-3"} {
		sus[g] = e.mustSignUp(ctx, c, signUp(g, orgA, "0180", 1, date(10)))
	}
	ss := seatingsOf(ctx, t, c, e.runJob(ctx, c, "cancel", "0180").GetId())
	if len(ss) != 3 {
		t.Fatalf("seatings: %v", ss)
	}
	of := map[string]string{}
	for _, p := range ss {
		confirm(ctx, t, c, p.GetId())
		for g, su := range sus {
			if su.GetId() == p.GetSignUpId() {
				of[g] = p.GetId()
			}
		}
	}
	cancel := func(id, requestID string) (*pb.Seating, error) {
		res, err := c.CancelSeating(ctx, &pb.CancelSeatingRequest{Id: id, RequestId: requestID})
		return res.GetSeating(), err
	}
	twice := func(name, id, requestID string) {
		t.Helper()
		first, err := cancel(id, requestID)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if first.GetCancelReason() != pb.SeatingCancelReason_SEATING_CANCEL_REASON_GUEST {
			t.Errorf("%s: cancel reason %v, want GUEST", name, first.GetCancelReason())
		}
		if again, err := cancel(id, requestID); err != nil || !proto.Equal(again, first) {
			t.Errorf("%s again: %v, %v; want OK with %v", name, again, err, first)
		}
	}
	twice("the cancel with a request id", of["g-1"], "cancel-1")
	if _, err := cancel(of["g-1"], "cancel-2"); code(err) != codes.FailedPrecondition {
		t.Errorf("another cancel, another request id: got %v, want FailedPrecondition", err)
	}
	twice("the cancel without", of["g-2"], "")
	if _, err := c.DeleteSignUp(ctx, &pb.DeleteSignUpRequest{Id: sus["g-3"].GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, requestID := range []string{"", "cancel-3"} {
		if _, err := cancel(of["g-3"], requestID); code(err) != codes.FailedPrecondition {
			t.Errorf("a cancel after the sign-up's removal (request id %q): got %v, want FailedPrecondition", requestID, err)
		}
	}
	if _, err := cancel(of["g-3"], "not an id!"); code(err) != codes.InvalidArgument {
		t.Errorf("a bad request id: got %v, want InvalidArgument", err)
	}
	got, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o.GetId()})
	if err != nil || got.GetOffer().GetDinners()[0].GetSeatsTaken() != 0 {
		t.Errorf("seats taken after the cancels: %v, %v; want 0", got.GetOffer().GetDinners(), err)
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		for _, g := range []string{"g-1", "g-2", "g-3"} {
			id := of[g]
			w := map[string]uint64{events.SeatingProposed: 1, events.SeatingInvited: 1, events.SeatingAccepted: 1,
				events.SeatingConfirmed: 1, events.SeatingCancelled: 1}
			got := seatingEvents(ctx, t, e, id)
			if len(got) != len(w) {
				return fmt.Errorf("%s: events %v, want %v", g, got, w)
			}
			for subject, n := range w {
				if got[subject+"."+id] != n {
					return fmt.Errorf("%s: events %v, want %v", g, got, w)
				}
			}
		}
		return nil
	})
}
