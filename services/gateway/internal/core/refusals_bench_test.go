package core

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// BenchmarkRefusal times a refused sign-in's answer (Authenticate, a
// cheap test hash) for an address with an account and one without, and
// beside them one audit entry's write (what a refusal cost its answer
// when it was written during it, ADR 0218): the two answers should cost
// alike, neither a write (ADR 0221).
func BenchmarkRefusal(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := context.Background()
	accts, err := account.Open(ctx, n.JS, account.Config{HashCost: account.HashCost{MemoryKiB: 64, Passes: 1}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(accts.Close)
	if _, err := accts.CreateUser(ctx, &gatewayv1.User{Email: "sara@example.org", DisplayName: "Sara Lind", Role: gatewayv1.Role_ROLE_ADMIN}, "ett långt lösenord"); err != nil {
		b.Fatal(err)
	}
	log, err := audit.Open(ctx, n.JS, 1, time.Now, ids.UUIDv7{})
	if err != nil {
		b.Fatal(err)
	}
	g := &Gateway{Accounts: accts, Audit: log, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	how := SignIn{Action: "signin", Resource: "api_token", Channel: "api", RemoteAddr: "203.0.113.7"}
	for _, bm := range []struct {
		name string
		run  func(i int)
	}{
		{"known-address", func(int) { _, _ = g.Authenticate(ctx, "sara@example.org", "fel-losenord-1234", how) }},
		{"unknown-address", func(i int) { _, _ = g.Authenticate(ctx, fmt.Sprintf("x%d@example.org", i), "fel-losenord-1234", how) }},
		{"one-entry-written", func(int) { _ = log.Record(ctx, signInEntry(nil, how, "no_account")) }},
	} {
		b.Run(bm.name, func(b *testing.B) {
			for i := range b.N {
				bm.run(i)
			}
			b.StopTimer()
			g.FlushRefusals(ctx) // the writer's work, after the timing
		})
	}
}
