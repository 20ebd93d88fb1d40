package server_test

import (
	"context"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestDinnerCancelledDuringAJob: a dinner its host cancels (or an offer or
// a sign-up deleted) while a job runs gets no open seating from that job.
// The job chose from its snapshot, and the cancel closed the seatings it
// found then, so a seating the job wrote after it stayed proposed at a
// dinner that will not happen, or for a sign-up nobody has (and could be
// approved and accepted).
//
// The window is made on purpose: the kit's BeforePropose hook cancels or
// deletes after the job chose and before its seatings are written.
func TestDinnerCancelledDuringAJob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		off  func(ctx context.Context, c pb.DinnerServiceClient, o *pb.Offer, su *pb.SignUp) error
	}{
		{"date cancelled", func(ctx context.Context, c pb.DinnerServiceClient, o *pb.Offer, _ *pb.SignUp) error {
			_, err := c.CancelDinner(ctx, &pb.CancelDinnerRequest{OfferId: o.GetId(), Date: date(10)})
			return err
		}},
		{"offer deleted", func(ctx context.Context, c pb.DinnerServiceClient, o *pb.Offer, _ *pb.SignUp) error {
			_, err := c.DeleteOffer(ctx, &pb.DeleteOfferRequest{Id: o.GetId()})
			return err
		}},
		{"sign-up deleted", func(ctx context.Context, c pb.DinnerServiceClient, _ *pb.Offer, su *pb.SignUp) error {
			_, err := c.DeleteSignUp(ctx, &pb.DeleteSignUpRequest{Id: su.GetId()})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := testutil.Context(t)
			e, c, o, su, off := oneParty(t, beforePropose)
			off.arm(func() {
				if err := tc.off(context.WithoutCancel(ctx), c, o, su); err != nil {
					t.Errorf("the host's dinner off during the job: %v", err)
				}
			})
			job := e.runJob(ctx, c, "off-during", "0180")
			seated := seatingsOf(ctx, t, c, job.GetId())
			if len(seated) == 0 {
				t.Fatal("the job wrote no seating: the window was not reached")
			}
			for _, p := range seated {
				got, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: p.GetId()})
				if err != nil {
					t.Fatal(err)
				}
				if st := got.GetSeating().GetStatus(); st == eventsv1.SeatingStatus_SEATING_STATUS_PROPOSED {
					t.Fatalf("seating at a dinner that went during the job: %s, want it closed", st)
				}
			}
		})
	}
}

// TestPartyChangedDuringAJob: a party that grows while a job runs is
// seated at its new size. The job took the size from its snapshot and
// the party change resized the seatings it found then, so a seating the
// job wrote after it kept the old size: the table counted 2 guests of a
// party of 3. The kit's BeforePropose hook changes the party after the
// job chose the table and before its seating is written.
func TestPartyChangedDuringAJob(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e, c, _, su, grow := oneParty(t, beforePropose)
	grow.arm(func() {
		if _, err := c.UpdateSignUp(context.WithoutCancel(ctx), &pb.UpdateSignUpRequest{
			SignUp: &pb.SignUp{Id: su.GetId(), Party: party(3)}, UpdateMask: mask("party")}); err != nil {
			t.Errorf("grow the party during the job: %v", err)
		}
	})
	job := e.runJob(ctx, c, "grow-during", "0180")
	seated := seatingsOf(ctx, t, c, job.GetId())
	if len(seated) != 1 {
		t.Fatalf("the job seated %d parties, want 1", len(seated))
	}
	got, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: seated[0].GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.GetSeating().GetPartySize(); n != 3 {
		t.Fatalf("seating of a party grown to 3 during the job: %d guests", n)
	}
}

// beforePropose sets the kit's BeforePropose hook (see oneParty).
func beforePropose(h *proposal.Hooks, run func(string)) { h.BeforePropose = run }
