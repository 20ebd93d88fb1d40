package server_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/dinners/server"
)

// TestRefusedPartyChangeLeavesTheSeating: a party's growth that is
// refused because the sign-up changed meanwhile (another coordinator's
// edit, the etag no longer matching) leaves the seating as the sign-up
// is. The seatings were resized before the sign-up's write was tried, so
// the refused change still took the table's seats: the seating said 4
// guests and the sign-up 2.
//
// The window is made on purpose: the kit's AfterGrow hook (after the
// seating's extra seats are reserved, before its record is written) edits
// the sign-up's dates, as another coordinator may at that moment.
func TestRefusedPartyChangeLeavesTheSeating(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	e, c, _, su, meddle := oneParty(t, func(h *proposal.Hooks, run func(string)) { h.AfterGrow = run })
	job := e.runJob(ctx, c, "party-etag", "0180")
	seated := seatingsOf(ctx, t, c, job.GetId())
	if len(seated) != 1 {
		t.Fatalf("the job seated %d parties, want 1", len(seated))
	}
	if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: seated[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	rsvp(ctx, t, c, seated[0].GetId())
	cur, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: su.GetId()})
	if err != nil {
		t.Fatal(err)
	}

	meddle.arm(func() {
		if _, err := c.UpdateSignUp(context.WithoutCancel(ctx), &pb.UpdateSignUpRequest{
			SignUp: &pb.SignUp{Id: su.GetId(), Dates: []string{date(10), date(11)}}, UpdateMask: mask("dates")}); err != nil {
			t.Errorf("the other coordinator's edit: %v", err)
		}
	})
	_, err = c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: su.GetId(), Party: party(4)},
		UpdateMask: mask("party"), Etag: cur.GetSignUp().GetEtag()})
	if err == nil {
		t.Fatal("a party change with the etag from before another edit was accepted")
	}
	got, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: su.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	seat, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: seated[0].GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if n, want := seat.GetSeating().GetPartySize(), int32(len(got.GetSignUp().GetParty())); n != want {
		t.Fatalf("after the refused change the seating is for %d guests, the sign-up for %d (%v)", n, want, err)
	}
}

// oneShot is a kit hook (proposal.Hooks) that runs, once, the function
// armed last: a test arms it when the window it widens should open.
type oneShot struct {
	f    atomic.Pointer[func()]
	once sync.Once
}

func (o *oneShot) arm(f func()) { o.f.Store(&f) }

func (o *oneShot) run(string) {
	if f := o.f.Load(); f != nil {
		o.once.Do(*f)
	}
}

// oneParty starts a dinners service with one host's offer of 6 seats on
// date(10) and one party of 2 signed up for it; hook sets the kit hook
// that runs the returned oneShot once armed.
func oneParty(t *testing.T, hook func(h *proposal.Hooks, run func(string))) (*env, pb.DinnerServiceClient, *pb.Offer, *pb.SignUp, *oneShot) {
	t.Helper()
	ctx := testutil.Context(t)
	shot := &oneShot{}
	h := &proposal.Hooks{}
	hook(h, shot.run)
	e := startEnv(t, 1, server.Options{ProposalHooks: h})
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1"})
	c := e.as(coordA)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 6, date(10)))
	su := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10)))
	return e, c, o, su, shot
}
