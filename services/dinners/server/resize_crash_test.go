package server_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/dinners/internal/dinners"
	"github.com/motesplats/motesplats/services/dinners/server"
)

// resizeCrash is the crash point of TestCrashDuringResize: the child
// freezes once a party's resize reserved its extra seats and before the
// seating is written, and the test kills it there.
const resizeCrash = "resize"

// resizeHelper is the child of TestCrashDuringResize: a dinners service
// whose resizes freeze after reserving (servicetest.Freeze), with two
// guests and a host in its pool.
func resizeHelper(dir string) error {
	pools := &servicetest.Pools{} // the child's pool, in its memory
	o := server.Options{ProposalHooks: &proposal.Hooks{AfterGrow: func(string) { servicetest.Freeze(resizeCrash) }}, Pools: pools.Add}
	return servicetest.ServeProgrammeChild(dir, resizeCrash, func() time.Time { return day0 }, server.Run, o,
		func(tb testing.TB, js jetstream.JetStream, key ed25519.PrivateKey, addr string) {
			e := &env{t: tb, nats: &testutil.NATS{JS: js}, addrs: []string{addr}, key: key, signer: servicetest.NewSigner(key), pools: pools}
			e.people(context.Background(), orgA, "0180", []string{"g-1", "g-2"}, []string{"h-1"})
		})
}

// TestCrashDuringResize kills (SIGKILL) a real dinners process in the
// middle of a confirmed party's growth from 2 to 4 at a table of 4: the
// two extra seats are reserved, the seating is not yet written. After a
// restart on the same files the kit's own recovery sweep gives the two
// seats back within seconds (the record, a party of 2, decides), so the
// other party can take them; the table is never over its 4 seats.
func TestCrashDuringResize(t *testing.T) {
	dir := t.TempDir()
	key := servicetest.NewKey(t)
	child := servicetest.StartChildProcess(t, dir, resizeCrash, key, 90*time.Second)
	ctx := context.Background()
	first := &env{t: t, addrs: []string{child.Addr}, key: key, signer: servicetest.NewSigner(key)}
	c := first.as(coordA)
	o := first.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10)))
	s1 := first.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10)))
	first.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 2, date(10)))
	job := first.runJob(ctx, c, "resize", "0180")
	bySignUp := map[string]*pb.Seating{}
	for _, p := range seatingsOf(ctx, t, c, job.GetId()) {
		bySignUp[p.GetSignUpId()] = p
		if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: p.GetId()}); err != nil {
			t.Fatal(err)
		}
	}
	if len(bySignUp) != 2 {
		t.Fatalf("the job seated %d parties, want both at the table of 4", len(bySignUp))
	}
	mine := bySignUp[s1.GetId()]
	var other *pb.Seating
	for id, p := range bySignUp {
		if id != s1.GetId() {
			other = p
		}
	}
	rsvp(ctx, t, c, mine.GetId())

	// Grow g-1's confirmed party to 4: the child reserves the 2 extra
	// seats, freezes before writing the seating, and is killed there.
	go func() {
		_, _ = c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: s1.GetId(), Party: party(4)}, UpdateMask: mask("party")})
	}()
	child.WaitFrozen(t, resizeCrash, 30*time.Second)
	child.Kill(t)

	n := testutil.MustNATSDir(t, filepath.Join(dir, "nats"))
	seats, err := proposal.OpenSlots(ctx, n.JS, dinners.SeatBucket, 1, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	table := o.GetId() + "_" + date(10) // dinners' seat resource: an offer on a date
	if used, err := seats.Used(ctx, table); err != nil || used != 4 {
		t.Fatalf("the kill left %d seats used (%v), want 4: 2 confirmed and 2 reserved by the unfinished resize", used, err)
	}

	// Restart with a running clock (the kit measures Grace on it) and
	// its default Grace: the recovery sweep runs at start and every
	// Grace/2.
	t0 := time.Now()
	e := &env{t: t, nats: n, key: key, signer: servicetest.NewSigner(key)}
	e.addrs = append(e.addrs, servicetest.StartProgramme(t, n.JS, key, func() time.Time { return day0.Add(time.Since(t0)) }, server.Run, server.Options{}))
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		used, err := seats.Used(ctx, table)
		if err != nil {
			return err
		}
		if used > 4 {
			t.Fatalf("%d seats used at a table of 4", used)
		}
		if used != 2 {
			return fmt.Errorf("%d seats used, want 2 once recovery gave back the resize's reservation", used)
		}
		return nil
	})
	t.Logf("the half-done resize was settled %v after the restart", time.Since(t0).Round(100*time.Millisecond))
	c = e.as(coordA)
	got, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: mine.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if s := got.GetSeating(); s.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED || s.GetPartySize() != 2 {
		t.Fatalf("after recovery the seating is %v with a party of %d, want confirmed with 2", s.GetStatus(), s.GetPartySize())
	}

	// The freed seats are the other party's to take; then the table is
	// full, and growing g-1 again is refused rather than oversold.
	rsvp(ctx, t, c, other.GetId())
	_, err = c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: s1.GetId(), Party: party(3)}, UpdateMask: mask("party")})
	if code(err) != codes.FailedPrecondition {
		t.Errorf("growing at a full table: %v, want FailedPrecondition", err)
	}
	if used, err := seats.Used(ctx, table); err != nil || used != 4 {
		t.Errorf("%d seats used at the end (%v), want the table's 4", used, err)
	}
}

// rsvp has both sides of seating id accept, confirming it.
func rsvp(ctx context.Context, t *testing.T, c pb.DinnerServiceClient, id string) {
	t.Helper()
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: id, Party: party, Accept: true}); err != nil {
			t.Fatalf("RSVP %v: %v", party, err)
		}
	}
}
