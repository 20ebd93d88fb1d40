package core

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// TestFiguresOneScopeCannotEvictAnother: a report's period (and
// organisation, municipalities, group size) comes from the request, so
// one coordinator asking for period after period made a new entry each
// time; at the cache's bound the whole cache was cleared, every other
// scope's dashboard with it, and each new period started a recount of
// its own at once (outside49, ADR 0274). Now 1,001 periods of one scope
// leave another scope's figures where they were, and a scope has at
// most maxInflightPerScope recounts running: a request past them is told
// the figures are being computed (the page's 503 with Retry-After).
func TestFiguresOneScopeCannotEvictAnother(t *testing.T) {
	t.Parallel()
	var f figures
	ctx := context.Background()
	coord := func(org string) Caller {
		return Caller{Principal: account.Principal{User: &gatewayv1.User{Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: org,
			MunicipalityCodes: []string{"0880"}}}}
	}
	a, b := coord("o-a"), coord("o-b")
	var computed atomic.Int64
	compute := func(context.Context) (any, error) { return computed.Add(1), nil }
	first, _, err := f.get(ctx, scopeKey(a, "dashboard"), compute)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 1001 {
		key := scopeKey(b, fmt.Sprintf("mentoring_report|o-b|[0880]|%04d-01|%04d-12", 1000+k, 1000+k))
		if _, _, err := f.get(ctx, key, compute); err != nil {
			t.Fatalf("period %d: %v", k, err)
		}
	}
	if v, _, err := f.get(ctx, scopeKey(a, "dashboard"), compute); err != nil || v != first {
		t.Errorf("A's dashboard after 1,001 periods of B: %v, %v; want its figures (%v) kept, not recounted", v, err, first)
	}
	f.mu.Lock()
	n := len(f.m)
	f.mu.Unlock()
	if n > maxPerScope+1 {
		t.Errorf("the cache holds %d entries after one scope's 1,001 periods; want at most %d", n, maxPerScope+1)
	}

	// Recounts held open: B's 40 new periods at once start at most
	// maxInflightPerScope; the rest are told to come back. A still gets
	// a recount of its own.
	hold := make(chan struct{})
	var started atomic.Int64
	held := func(context.Context) (any, error) { started.Add(1); <-hold; return 1, nil }
	var wg sync.WaitGroup
	var computing atomic.Int64
	for k := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := scopeKey(b, fmt.Sprintf("mentoring_report|o-b|[0880]|%04d-01|%04d-12", 3000+k, 3000+k))
			if _, _, err := f.get(ctx, key, held); errors.Is(err, ErrComputing) {
				computing.Add(1)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, _, err := f.get(ctx, scopeKey(a, "report"), held); err != nil {
			t.Errorf("A's report while B's recounts run: %v", err)
		}
	}()
	for started.Load()+computing.Load() < 41 {
		time.Sleep(time.Millisecond) // until each call above started a recount or was refused
	}
	close(hold)
	wg.Wait()
	if s := started.Load(); s > int64(maxInflightPerScope)+1 {
		t.Errorf("40 new periods of one scope at once started %d recounts (with A's one); want at most %d", s, maxInflightPerScope+1)
	}
	if c := computing.Load(); c < 40-int64(maxInflightPerScope) {
		t.Errorf("%d of B's 40 were told the figures are being computed; want at least %d", c, 40-maxInflightPerScope)
	}
}
