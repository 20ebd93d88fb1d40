package server

import (
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// TestEnvAdminRaceMakesOneAdmin: two gateways started at once on an
// empty store, both with MP_ADMIN_EMAIL, both find the store empty and
// both create the admin (ADR 0236 let the loser go on; ADR 0240 left it
// untested, as only timing got both past the check). Held between the
// check and the create until both are there, each gateway starts without
// an error, and the store holds exactly one account, the admin.
func TestEnvAdminRaceMakesOneAdmin(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	open := func() *account.Service {
		s, err := account.Open(ctx, n.JS, account.Config{HashCost: account.HashCost{MemoryKiB: 64, Passes: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cfg := Config{AdminEmail: "admin@example.org", AdminPassword: "correct horse battery"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var both sync.WaitGroup
	both.Add(2)
	var held atomic.Int32
	checked := func() {
		held.Add(1)
		both.Done()
		both.Wait() // the other has found the store empty too
	}
	gateways := []*account.Service{open(), open()}
	errs := make([]error, len(gateways))
	var run sync.WaitGroup
	for i, g := range gateways {
		run.Add(1)
		go func() {
			defer run.Done()
			errs[i] = envAdminAfter(ctx, cfg, g, log, checked)
		}()
	}
	run.Wait()
	if held.Load() != 2 {
		t.Fatalf("%d gateways found the store empty, want both", held.Load())
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("gateway %d: %v, want a start without error", i, err)
		}
	}
	// A third opened after both: the store as it is.
	users, _, err := open().ListUsers(50, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].GetEmail() != cfg.AdminEmail {
		t.Errorf("accounts after the race: %v, want the one admin", users)
	}
}
