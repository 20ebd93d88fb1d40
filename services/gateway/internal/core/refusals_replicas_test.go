package core

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// TestTwoGatewaysCountTheirOwn: refusals are tallied in each gateway's
// memory (ADR 0221), so two replicas hit from one network in one minute
// write what each saw: its own first entry at once and its own count,
// four entries for the key and minute (ADR 0229 chose this over summing:
// no write per attempt, and every row on the audit page stays one
// gateway's fact). The search (the page's and the API's) gives all four,
// and together they count every attempt, once: a count entry is "further
// attempts beyond the rows before it", never a total.
func TestTwoGatewaysCountTheirOwn(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	clock := time.Date(2026, 12, 6, 18, 0, 5, 0, time.UTC)
	gateway := func() *Gateway {
		accts, err := account.Open(ctx, n.JS, account.Config{HashCost: cheapHash})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(accts.Close)
		log, err := audit.Open(ctx, n.JS, 1, time.Now, ids.UUIDv7{})
		if err != nil {
			t.Fatal(err)
		}
		return &Gateway{Accounts: accts, Audit: log, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return clock }}
	}
	a, b := gateway(), gateway()
	how := SignIn{Action: "signin", Resource: "api_token", Channel: "api"}
	for i, g := range []*Gateway{a, a, a, a, a, b, b, b} {
		how.RemoteAddr = fmt.Sprintf("203.0.113.%d", i+1)
		if _, err := g.Authenticate(ctx, fmt.Sprintf("ingen%d@example.org", i), "gissning-1234", how); err == nil {
			t.Fatal("an unknown address signed in")
		}
	}
	a.FlushRefusals(ctx)
	b.FlushRefusals(ctx)
	es, _, err := a.Audit.Search(ctx, audit.Query{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	attempts := 0
	seen := map[string]bool{}
	for _, e := range es {
		rows = append(rows, fmt.Sprintf("%s %s ×%d", e.GetOutcome(), e.GetRemoteAddr(), e.GetCount()))
		attempts += max(int(e.GetCount()), 1)
		seen[e.GetId()] = true
	}
	if len(es) != 4 || attempts != 8 || len(seen) != 4 {
		t.Errorf("entries %v (%d ids) count %d attempts; want 4 entries (two firsts, counts 4 and 2) counting 8", rows, len(seen), attempts)
	}
}
