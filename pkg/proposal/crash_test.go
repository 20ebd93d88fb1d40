package proposal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestMain lets the test binary double as the process the crash test
// kills: with MP_KIT_CRASH_DIR set it runs the seating programme on an
// embedded NATS in that directory, offers three seatings at host h-1 and
// has the host accept the first; between the reservation and the
// transition it says so in a file and waits to be killed (SIGKILL).
func TestMain(m *testing.M) {
	if dir := os.Getenv("MP_KIT_CRASH_DIR"); dir != "" {
		if err := crashHelper(dir); err != nil {
			fmt.Fprintln(os.Stderr, "crash helper:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func crashHelper(dir string) error {
	ns, err := natsembed.Start(natsembed.Options{StoreDir: filepath.Join(dir, "nats"), Port: -1, SyncAlways: true})
	if err != nil {
		return err
	}
	nc, err := natsembed.Connect(ns, "kit-crash-helper")
	if err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	ctx := context.Background()
	hooks := &proposal.Hooks{AfterReserve: func(string) {
		if err := os.WriteFile(filepath.Join(dir, "reserved.tmp"), nil, 0o600); err == nil {
			_ = os.Rename(filepath.Join(dir, "reserved.tmp"), filepath.Join(dir, "reserved"))
		}
		select {} // wait for the kill
	}}
	tb := &testutil.ProcessTB{}
	rg := newRig(ctx, tb, js, rigOptions{hooks: hooks})
	rg.setSeats("h-1", 1)
	var ids []string
	for _, g := range []string{"g-a", "g-b", "g-c"} {
		ids = append(ids, rg.offer(ctx, tb, g, "h-1", 1))
	}
	if tb.Failure != "" {
		return fmt.Errorf("set-up: %s", tb.Failure)
	}
	_, err = rg.life.Accept(ctx, kitCoord, ids[0], host)
	return fmt.Errorf("the accept returned (%v) instead of stopping", err)
}

// killBetweenReserveAndTransition runs the helper and kills it (SIGKILL)
// once its accept has reserved and not yet written the transition. It
// returns the NATS directory the helper used.
func killBetweenReserveAndTransition(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MP_KIT_CRASH_DIR="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	testutil.CheckFor(t, 60*time.Second, 20*time.Millisecond, func() error {
		select {
		case err := <-exited:
			t.Fatalf("helper exited before the reservation: %v", err)
		default:
		}
		_, err := os.Stat(filepath.Join(dir, "reserved"))
		return err
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	return filepath.Join(dir, "nats")
}

// restart opens the programme again on the helper's files.
func restart(ctx context.Context, t *testing.T, natsDir string, o rigOptions) (*rig, []string) {
	t.Helper()
	n := testutil.MustNATSDir(t, natsDir)
	rg := newRig(ctx, t, n.JS, o)
	rg.setSeats("h-1", 1)
	var ids []string
	for _, g := range []string{"g-a", "g-b", "g-c"} {
		ids = append(ids, proposal.ID("seating", g, "h-1"))
	}
	// The crash left what the bug report found: the host's only seat held
	// by a seating only the guest has accepted.
	if h, err := rg.slots.Holders(ctx, "h-1"); err != nil || len(h) != 1 || h[0] != ids[0] {
		t.Fatalf("after the kill h-1 is held by %v (%v), want %s", h, err, ids[0])
	}
	if st := rg.status(ctx, t, ids[0]); st != proposal.Offered {
		t.Fatalf("after the kill the seating is %s, want offered", st)
	}
	return rg, ids
}

// TestKitCrashCompletesReservation: a process killed between reserving
// the host's seat and writing the seating active leaves the seat held by
// an offered seating. Within seconds of a restart the kit's recovery
// sweep (defaults: 5s grace) completes it, since both parties had
// accepted: it is active and holds the seat, and no reservation is left
// pending. The other guests are then refused for want of seats, not for
// a stale holder.
func TestKitCrashCompletesReservation(t *testing.T) {
	t.Parallel()
	natsDir := killBetweenReserveAndTransition(t)
	ctx := testutil.Context(t)
	start := time.Now()
	rg, ids := restart(ctx, t, natsDir, rigOptions{})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { rg.life.Run(runCtx, 0); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		if st := rg.status(ctx, t, ids[0]); st != proposal.Active {
			return fmt.Errorf("seating is %s, want active", st)
		}
		return nil
	})
	t.Logf("reservation completed %.1fs after the restart (grace 5s)", time.Since(start).Seconds())
	if h, _ := rg.slots.Holders(ctx, "h-1"); len(h) != 1 || h[0] != ids[0] {
		t.Fatalf("h-1 held by %v, want the completed seating", h)
	}
	if n, err := rg.life.Recover(ctx); err != nil || n != 0 {
		t.Fatalf("reservations still pending: %d (%v)", n, err)
	}
	if _, err := rg.life.Accept(ctx, kitCoord, ids[1], host); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("accept on a full host: %v, want FailedPrecondition", err)
	}
	// Ending the completed seating frees the seat for the next guest.
	if _, err := rg.life.End(ctx, kitCoord, ids[0], 1); err != nil {
		t.Fatal(err)
	}
	if _, err := rg.life.Accept(ctx, kitCoord, ids[1], host); err != nil {
		t.Fatalf("accept after the end: %v", err)
	}
}

// TestKitCrashReleasesReservation: the same kill, but the restart comes
// after the offer lapsed, so the reservation cannot be completed. The
// recovery sweep releases the seat at once, before any expiry sweep has
// marked the offer expired, and a new guest's accept succeeds.
func TestKitCrashReleasesReservation(t *testing.T) {
	t.Parallel()
	natsDir := killBetweenReserveAndTransition(t)
	ctx := testutil.Context(t)
	c := testutil.NewClock(time.Now().Add(8 * 24 * time.Hour))
	rg, ids := restart(ctx, t, natsDir, rigOptions{now: c.Now})
	n, err := rg.life.Recover(ctx)
	if err != nil || n != 1 {
		t.Fatalf("recovered %d (%v), want 1", n, err)
	}
	if h, _ := rg.slots.Holders(ctx, "h-1"); len(h) != 0 {
		t.Fatalf("h-1 still held by %v after recovery", h)
	}
	if st := rg.status(ctx, t, ids[0]); st != proposal.Offered {
		t.Fatalf("the lapsed seating is %s; recovery, not the expiry sweep, must free the seat", st)
	}
	late := rg.offer(ctx, t, "g-late", "h-1", 1)
	if _, err := rg.life.Accept(ctx, kitCoord, late, host); err != nil {
		t.Fatalf("a new accept after recovery: %v", err)
	}
}

// TestKitStalledAcceptAfterTakeover: an accept that stalls between its
// reservation and its transition for longer than the grace period (alive,
// not killed) is taken over by another replica's recovery, which
// completes it. When the stalled accept wakes, its acceptance stands (the
// recovery wrote it; ADR 0273: it was told Unavailable) and it gives no
// seats back: the seating stays active and holds its seats once.
func TestKitStalledAcceptAfterTakeover(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	c := testutil.NewClock(time.Now())
	stalled, wake := make(chan struct{}), make(chan struct{})
	a := newRig(ctx, t, n.JS, rigOptions{now: c.Now, hooks: &proposal.Hooks{AfterReserve: func(string) {
		close(stalled)
		<-wake
	}}})
	_, js := n.Connect(t)
	b := newRig(ctx, t, js, rigOptions{now: c.Now})
	for _, rg := range []*rig{a, b} {
		rg.setSeats("h-1", 3)
	}
	id := b.offer(ctx, t, "g-1", "h-1", 2)
	done := make(chan error, 1)
	go func() {
		_, err := a.life.Accept(ctx, kitCoord, id, host)
		done <- err
	}()
	<-stalled
	c.Add(6 * time.Second) // past the default 5s grace
	if got, err := b.life.Recover(ctx); err != nil || got != 1 {
		t.Fatalf("recovered %d (%v), want 1", got, err)
	}
	if st := b.status(ctx, t, id); st != proposal.Active {
		t.Fatalf("after the takeover the seating is %s, want active", st)
	}
	close(wake)
	if err := <-done; err != nil {
		t.Fatalf("the stalled accept: %v, want OK (the recovery completed it)", err)
	}
	h, _ := b.slots.Holders(ctx, "h-1")
	used, _ := b.slots.Used(ctx, "h-1")
	if len(h) != 1 || h[0] != id || used != 2 || b.status(ctx, t, id) != proposal.Active {
		t.Fatalf("after the stalled accept woke: holders %v, %d seats taken; want %s holding 2", h, used, id)
	}
	if got, err := b.life.Recover(ctx); err != nil || got != 0 {
		t.Fatalf("still pending after both: %d (%v)", got, err)
	}
}

// TestKitStalledAcceptDuringTakeover: the stalled accept wakes while the
// recovery that took it over has reserved (its own reservation a no-op:
// the seats are already held) and not yet written the transition. The
// stalled accept gives up and, no longer owning the reservation, leaves
// the seats alone; the recovery then activates the seating with its seats
// held.
func TestKitStalledAcceptDuringTakeover(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	c := testutil.NewClock(time.Now())
	pause := func() (*proposal.Hooks, chan struct{}, chan struct{}) {
		stalled, wake := make(chan struct{}), make(chan struct{})
		return &proposal.Hooks{AfterReserve: func(string) {
			close(stalled)
			<-wake
		}}, stalled, wake
	}
	ha, stalledA, wakeA := pause()
	hb, stalledB, wakeB := pause()
	a := newRig(ctx, t, n.JS, rigOptions{now: c.Now, hooks: ha})
	_, js := n.Connect(t)
	b := newRig(ctx, t, js, rigOptions{now: c.Now, hooks: hb})
	for _, rg := range []*rig{a, b} {
		rg.setSeats("h-1", 3)
	}
	_, js2 := n.Connect(t)
	setup := newRig(ctx, t, js2, rigOptions{now: c.Now})
	id := setup.offer(ctx, t, "g-1", "h-1", 2)
	doneA := make(chan error, 1)
	go func() {
		_, err := a.life.Accept(ctx, kitCoord, id, host)
		doneA <- err
	}()
	<-stalledA
	c.Add(6 * time.Second)
	doneB := make(chan error, 1)
	go func() {
		_, err := b.life.Recover(ctx)
		doneB <- err
	}()
	<-stalledB
	close(wakeA)
	if err := <-doneA; apperr.ErrorCode(err) != apperr.Unavailable {
		t.Fatalf("the stalled accept: %v, want Unavailable", err)
	}
	if h, _ := setup.slots.Holders(ctx, "h-1"); len(h) != 1 {
		t.Fatalf("the stalled accept gave back a reservation it no longer owns: holders %v", h)
	}
	close(wakeB)
	if err := <-doneB; err != nil {
		t.Fatal(err)
	}
	used, _ := setup.slots.Used(ctx, "h-1")
	if st := setup.status(ctx, t, id); st != proposal.Active || used != 2 {
		t.Fatalf("seating %s with %d seats taken, want active with 2", st, used)
	}
}
