package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/ratelimit"
)

// TestSharedAcrossReplicas: two replicas' counters over one NATS allow
// n attempts per window between them, also when they race; the next
// window starts afresh; keys are apart; a NATS that is gone is an error,
// not a yes.
func TestSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	clock := testutil.NewClock(time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	a, err := ratelimit.Open(ctx, n.JS, 1, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	_, js2 := n.Connect(t)
	b, err := ratelimit.Open(ctx, js2, 1, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a
			if i%2 == 1 {
				r = b
			}
			ok, err := r.Allow(ctx, "link-1", 20, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := allowed.Load(); got != 20 {
		t.Errorf("40 racing attempts on two replicas: %d allowed, want 20", got)
	}
	if ok, err := b.Allow(ctx, "link-2", 20, time.Minute); !ok || err != nil {
		t.Errorf("another key: %v, %v", ok, err)
	}
	clock.Add(time.Minute)
	if ok, err := a.Allow(ctx, "link-1", 20, time.Minute); !ok || err != nil {
		t.Errorf("the next window: %v, %v", ok, err)
	}
	if _, err := a.Allow(ctx, "link-1", 20, time.Hour); err == nil {
		t.Error("a window longer than the bucket keeps counts was accepted")
	}
	n.Stop()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if ok, err := a.Allow(cctx, "link-3", 20, time.Minute); ok || err == nil {
		t.Errorf("with NATS gone: %v, %v; want an error", ok, err)
	}
}
