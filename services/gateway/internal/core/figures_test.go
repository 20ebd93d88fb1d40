package core

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// TestFigures: figures are computed once per scope while fresh, again
// after a write, never shared between scopes, and errors are not kept.
func TestFigures(t *testing.T) {
	t.Parallel()
	var f figures
	ctx := context.Background()
	n := 0
	compute := func(context.Context) (any, error) { n++; return n, nil }
	a := Caller{Principal: account.Principal{User: &gatewayv1.User{Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: "o1", MunicipalityCodes: []string{"0880", "0180"}}}}
	b := Caller{Principal: account.Principal{User: &gatewayv1.User{Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: "o1", MunicipalityCodes: []string{"0880"}}}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _, _ = f.get(ctx, scopeKey(a, "x"), compute) }()
	}
	wg.Wait()
	if n != 1 {
		t.Fatalf("8 concurrent reads computed %d times, want 1", n)
	}
	if v, _, _ := f.get(ctx, scopeKey(b, "x"), compute); v != 2 {
		t.Errorf("another scope got %v, want its own figures (2)", v)
	}
	f.wrote()
	if v, _, _ := f.get(ctx, scopeKey(a, "x"), compute); v != 3 {
		t.Errorf("after a write got %v, want fresh figures (3)", v)
	}
	boom := errors.New("boom")
	if _, _, err := f.get(ctx, "e", func(context.Context) (any, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("error: %v", err)
	}
	if v, _, err := f.get(ctx, "e", compute); err != nil || v != 4 {
		t.Errorf("after an error got %v %v, want a new computation", v, err)
	}
}

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// TestFiguresExpiredServeOld: once figures pass their TTL, a request gets
// the old figures, with the time they were computed, without waiting for
// the recount (issue 12: a 19 s recount on a request's path); the recount
// runs once however many requests come meanwhile, and its figures serve
// the requests after it. The recount is held by a hook (a channel), so a
// request that waited for it would never return and the test would fail
// by its deadline.
func TestFiguresExpiredServeOld(t *testing.T) {
	t.Parallel()
	clk := &fakeClock{t: time.Date(2026, 12, 3, 22, 0, 0, 0, time.UTC)}
	f := figures{now: clk.now}
	ctx := context.Background()
	v, at, err := f.get(ctx, "report", func(context.Context) (any, error) { return "old", nil })
	if err != nil || v != "old" || !at.Equal(clk.now()) {
		t.Fatalf("first: %v %v %v", v, at, err)
	}
	computedAt := at
	clk.add(figuresTTL + time.Second)

	release, started := make(chan struct{}), make(chan struct{}, 10)
	var calls int
	var mu sync.Mutex
	slow := func(context.Context) (any, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		started <- struct{}{}
		<-release // the hook: the recount ends when the test says
		return "new", nil
	}
	for i := range 5 {
		v, at, err := f.get(ctx, "report", slow)
		if err != nil || v != "old" || !at.Equal(computedAt) {
			t.Fatalf("request %d during the recount: %v %v %v, want the old figures of %v", i, v, at, err, computedAt)
		}
	}
	<-started
	close(release)
	// The recount ends in the background; a request after it gets its
	// figures.
	testutil.CheckFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		v, _, err := f.get(ctx, "report", slow)
		if err != nil {
			return err
		}
		if v != "new" {
			return fmt.Errorf("got %v, want the recount's figures", v)
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	if calls != 1 {
		t.Errorf("%d recounts, want 1 (one refresh at a time per scope)", calls)
	}
}

// TestFiguresFirstWaitBound: with no figures yet a request waits for the
// computation, but not past its context, and an error is the request's.
func TestFiguresFirstWaitBound(t *testing.T) {
	t.Parallel()
	var f figures
	ctx, cancel := context.WithCancel(context.Background())
	release := make(chan struct{})
	defer close(release)
	cancel() // a request already gone: get returns instead of waiting
	if _, _, err := f.get(ctx, "k", func(context.Context) (any, error) { <-release; return 1, nil }); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the request's own end", err)
	}
}
