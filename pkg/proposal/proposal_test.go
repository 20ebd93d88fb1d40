package proposal_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func offered() proposal.State {
	s := proposal.State{Status: proposal.Proposed, Parties: []string{"newcomer", "mentor"}}
	if err := s.Approve(t0, 24*time.Hour); err != nil {
		panic(err)
	}
	return s
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		run  func(s *proposal.State) error
		want proposal.Status
		code apperr.Code // "" for success
	}{
		"both accept": {func(s *proposal.State) error {
			if _, err := s.Accept("newcomer", t0); err != nil {
				return err
			}
			done, err := s.Accept("mentor", t0)
			if !done {
				return fmt.Errorf("not complete")
			}
			return err
		}, proposal.Active, ""},
		"accept twice": {func(s *proposal.State) error {
			_, _ = s.Accept("newcomer", t0)
			_, err := s.Accept("newcomer", t0)
			return err
		}, proposal.Offered, apperr.FailedPrecondition},
		"accept expired": {func(s *proposal.State) error {
			_, err := s.Accept("mentor", t0.Add(25*time.Hour))
			return err
		}, proposal.Offered, apperr.FailedPrecondition},
		"unknown party": {func(s *proposal.State) error {
			_, err := s.Accept("host", t0)
			return err
		}, proposal.Offered, apperr.Invalid},
		"decline":         {func(s *proposal.State) error { return s.Decline("mentor", t0) }, proposal.Declined, ""},
		"expire":          {func(s *proposal.State) error { return s.Expire(t0.Add(24 * time.Hour)) }, proposal.Expired, ""},
		"expire early":    {func(s *proposal.State) error { return s.Expire(t0) }, proposal.Offered, apperr.FailedPrecondition},
		"end an offer":    {func(s *proposal.State) error { return s.End() }, proposal.Offered, apperr.FailedPrecondition},
		"withdraw":        {func(s *proposal.State) error { return s.Withdraw() }, proposal.Withdrawn, ""},
		"reject an offer": {func(s *proposal.State) error { return s.Reject() }, proposal.Offered, apperr.FailedPrecondition},
	} {
		s := offered()
		err := tc.run(&s)
		if got := apperr.ErrorCode(err); (tc.code == "" && err != nil) || (tc.code != "" && got != tc.code) {
			t.Errorf("%s: error %v, want code %q", name, err, tc.code)
		}
		if s.Status != tc.want {
			t.Errorf("%s: status %s, want %s", name, s.Status, tc.want)
		}
	}
}

func TestIDIsStableAndDistinct(t *testing.T) {
	t.Parallel()
	a, b := proposal.ID("job", "n1", "m1"), proposal.ID("job", "n1", "m1")
	if a != b || len(a) != 36 {
		t.Fatalf("ids %q %q", a, b)
	}
	if proposal.ID("jo", "bn1", "m1") == a {
		t.Fatal("ids of different parts collide")
	}
}

// TestSlotsNeverOversell reserves one resource with capacity 2 from 50
// goroutines on two connections: exactly 2 win; releasing frees one.
func TestSlotsNeverOversell(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	_, js2 := n.Connect(t)
	s1, err := proposal.OpenSlots(ctx, n.JS, "slots_test", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := proposal.OpenSlots(ctx, js2, "slots_test", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	won := 0
	var wg sync.WaitGroup
	for k := range 50 {
		wg.Go(func() {
			s := []*proposal.Slots{s1, s2}[k%2]
			err := s.ReserveAll(ctx, []proposal.Claim{{Resource: "mentor-1", Capacity: 2, What: "mentor"},
				{Resource: fmt.Sprintf("newcomer-%d", k), Capacity: 1, What: "newcomer"}}, fmt.Sprintf("p-%d", k), nil)
			mu.Lock()
			defer mu.Unlock()
			switch apperr.ErrorCode(err) {
			case "":
				won++
			case apperr.FailedPrecondition:
			default:
				t.Errorf("reserve: %v", err)
			}
		})
	}
	wg.Wait()
	holders, err := s1.Holders(ctx, "mentor-1")
	if won != 2 || err != nil || len(holders) != 2 {
		t.Fatalf("won %d, holders %v (%v); want 2", won, holders, err)
	}
	// The losers' newcomer slots were rolled back.
	for k := range 50 {
		h, _ := s1.Holders(ctx, fmt.Sprintf("newcomer-%d", k))
		if len(h) == 1 && h[0] != holders[0] && h[0] != holders[1] {
			t.Errorf("newcomer-%d still held by %v", k, h)
		}
	}
	if err := s2.Release(ctx, "mentor-1", holders[0]); err != nil {
		t.Fatal(err)
	}
	if err := s1.Reserve(ctx, "mentor-1", 1, 2, "p-new", nil); err != nil {
		t.Fatalf("reserve after release: %v", err)
	}
	// A full resource keeps holders whose proposal still holds (open or
	// active, however old) and those it cannot check; it drops only those
	// known to be final or gone.
	sweep := func(final string, fail bool) proposal.Holding {
		return func(_ context.Context, id string, _ time.Time) (bool, error) {
			if fail {
				return false, errors.New("nats: timeout")
			}
			return id != final, nil
		}
	}
	if err := s1.Reserve(ctx, "mentor-1", 1, 2, "p-late", sweep("p-new", true)); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("reserve while holders cannot be checked: %v, want no slot", err)
	}
	if err := s1.Reserve(ctx, "mentor-1", 1, 2, "p-late", sweep("nobody", false)); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("reserve over live holders: %v, want no slot", err)
	}
	if err := s1.Reserve(ctx, "mentor-1", 1, 2, "p-newer", sweep("p-new", false)); err != nil {
		t.Fatalf("reserve over a final holder: %v", err)
	}
	if h, _ := s1.Holders(ctx, "mentor-1"); !slices.Contains(h, "p-newer") || slices.Contains(h, "p-new") || len(h) != 2 {
		t.Fatalf("holders %v after the sweep", h)
	}
}
