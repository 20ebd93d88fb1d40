package proposal_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// resizeTo is the programme's change: the party's size.
func resizeTo(n int) func(seating) error {
	return func(r seating) error {
		set(r, "units", float64(n))
		return nil
	}
}

func (rg *rig) units(ctx context.Context, tb testing.TB, id string) int {
	tb.Helper()
	r, _, err := rg.repo.Get(ctx, id)
	if err != nil {
		tb.Fatal(err)
	}
	return num(r, "units")
}

// TestKitResize: an active party grows only into free seats (all or
// none), shrinks at once, and its seats follow its size; an open one
// changes freely and its acceptance reserves the new size; a final one
// cannot change.
func TestKitResize(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	rg := twoReplicas(t, "h-1", 5)[0]
	a := rg.offer(ctx, t, "g-a", "h-1", 2)
	if _, err := rg.life.Accept(ctx, kitCoord, a, host); err != nil {
		t.Fatal(err)
	}
	used := func() int {
		t.Helper()
		n, err := rg.slots.Used(ctx, "h-1")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		size, want, wantUsed int
		code                 apperr.Code
	}{
		{4, 4, 4, ""},
		{6, 4, 4, apperr.FailedPrecondition}, // one more than the table
		{5, 5, 5, ""},
		{1, 1, 1, ""},
	} {
		_, err := rg.life.Resize(ctx, "test", a, 7, resizeTo(tc.size))
		if apperr.ErrorCode(err) != tc.code {
			t.Fatalf("resize to %d: %v, want %q", tc.size, err, tc.code)
		}
		if got := rg.units(ctx, t, a); got != tc.want || used() != tc.wantUsed {
			t.Fatalf("after resize to %d: party %d, %d seats taken; want %d and %d", tc.size, got, used(), tc.want, tc.wantUsed)
		}
	}
	b := rg.offer(ctx, t, "g-b", "h-1", 2)
	out, err := rg.life.Resize(ctx, "test", b, 7, resizeTo(4))
	if err != nil || num(out, "units") != 4 || seatingState(out).Status != proposal.Offered {
		t.Fatalf("open resize: %v, %v", out, err)
	}
	if used() != 1 {
		t.Fatalf("an open party took seats: %d", used())
	}
	if _, err := rg.life.Accept(ctx, kitCoord, b, host); err != nil {
		t.Fatal(err)
	}
	if used() != 5 {
		t.Fatalf("after accepting the resized party: %d seats taken, want 5", used())
	}
	if _, err := rg.life.End(ctx, kitCoord, a, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := rg.life.Resize(ctx, "test", a, 7, resizeTo(2)); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("resize of an ended party: %v", err)
	}
	if used() != 4 {
		t.Fatalf("after the end: %d seats taken, want 4", used())
	}
}

// TestKitAcceptSeesResize: a party that grows while its acceptance has
// reserved the old size fails that acceptance (Conflict) and gives its
// seats back; the next acceptance reserves the new size.
func TestKitAcceptSeesResize(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	other := newRig(ctx, t, js, rigOptions{})
	var once sync.Once
	var id string
	a := newRig(ctx, t, n.JS, rigOptions{hooks: &proposal.Hooks{AfterReserve: func(string) {
		once.Do(func() {
			if _, err := other.life.Resize(ctx, "test", id, 7, resizeTo(3)); err != nil {
				t.Errorf("resize during the accept: %v", err)
			}
		})
	}}})
	for _, rg := range []*rig{a, other} {
		rg.setSeats("h-1", 4)
	}
	id = a.offer(ctx, t, "g-1", "h-1", 2)
	if _, err := a.life.Accept(ctx, kitCoord, id, host); apperr.ErrorCode(err) != apperr.Conflict {
		t.Fatalf("accept of the old size: %v, want Conflict", err)
	}
	if used, _ := a.slots.Used(ctx, "h-1"); used != 0 || a.status(ctx, t, id) != proposal.Offered {
		t.Fatalf("after the refused accept: %d seats taken, %s; want 0 and offered", used, a.status(ctx, t, id))
	}
	if _, err := a.life.Accept(ctx, kitCoord, id, host); err != nil {
		t.Fatal(err)
	}
	if used, _ := a.slots.Used(ctx, "h-1"); used != 3 {
		t.Fatalf("%d seats taken, want the new size 3", used)
	}
}

// TestKitResizesAndAcceptsOnLastSeats: four parties of 2 invited to a
// table of 8 grow to 4 while open; then their hosts' acceptances (each
// sent three times) and size changes from 1 to 5 race through two
// replicas. However they interleave, the active parties never take more
// than 8 seats, and the counter holds exactly what they claim.
func TestKitResizesAndAcceptsOnLastSeats(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	rigs := twoReplicas(t, "h-1", 8)
	var ids []string
	for k := range 4 {
		id := rigs[k%2].offer(ctx, t, fmt.Sprintf("g-%d", k), "h-1", 2)
		if _, err := rigs[0].life.Resize(ctx, "test", id, 7, resizeTo(4)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	var wg sync.WaitGroup
	calls := 0
	for k, id := range ids {
		for round := range 13 {
			rg := rigs[(k+round)%2]
			calls++
			wg.Go(func() {
				var err error
				if round < 3 {
					_, err = rg.life.Accept(ctx, kitCoord, id, host)
				} else {
					_, err = rg.life.Resize(ctx, "test", id, 7, resizeTo(1+(round*7+k)%5))
				}
				switch apperr.ErrorCode(err) {
				case "", apperr.FailedPrecondition, apperr.Conflict, apperr.Unavailable:
				default:
					t.Errorf("%s: %v", id, err)
				}
			})
		}
	}
	wg.Wait()
	if calls < 50 {
		t.Fatalf("only %d calls", calls)
	}
	for _, id := range ids { // what the race turned away, once more, one at a time
		if _, err := rigs[0].life.Accept(ctx, kitCoord, id, host); err != nil && apperr.ErrorCode(err) != apperr.FailedPrecondition {
			t.Fatalf("accept after the race: %v", err)
		}
	}
	taken, active := 0, 0
	for _, id := range ids {
		if rigs[1].status(ctx, t, id) == proposal.Active {
			taken += rigs[1].units(ctx, t, id)
			active++
		}
	}
	used, err := rigs[1].slots.Used(ctx, "h-1")
	if err != nil || taken > 8 || used != taken || active == 0 {
		t.Fatalf("%d active parties claim %d seats, the counter holds %d (%v); want at most 8 and equal", active, taken, used, err)
	}
}
