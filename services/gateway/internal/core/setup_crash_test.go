package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
)

// TestMain lets the test binary double as the gateway the setup crash
// test kills: with MP_SETUP_CRASH_DIR set it sends the setup form on an
// embedded NATS in that directory and kills itself (SIGKILL) once the
// admin exists, before its audit entry (setupCrashChild).
func TestMain(m *testing.M) {
	if dir := os.Getenv("MP_SETUP_CRASH_DIR"); dir != "" {
		err := setupCrashChild(dir)
		fmt.Fprintln(os.Stderr, "setup crash child: not killed:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

const (
	setupEmail = "ansvarig@example.org"
	setupPass  = "ett långt lösenord"
	setupAddr  = "203.0.113.57:4711"
)

var cheapHash = account.HashCost{MemoryKiB: 64, Passes: 1}

// setupCrashChild is a gateway (accounts, audit log, core) whose setup
// form is killed at the point ADR 0223 found from outside: the admin
// made, its entry not written. It returns only if it was not killed.
func setupCrashChild(dir string) error {
	ctx := context.Background()
	ns, err := natsembed.Start(natsembed.Options{StoreDir: dir, Port: -1, SyncAlways: true})
	if err != nil {
		return err
	}
	nc, err := natsembed.Connect(ns, "setup-crash-child")
	if err != nil {
		return err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	g, err := openGateway(ctx, js)
	if err != nil {
		return err
	}
	g.setupCreated = func() {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way: nothing more runs
	}
	tok, _, err := g.Accounts.SetupToken(ctx)
	if err != nil {
		return err
	}
	_, _, err = g.SetupAdmin(ctx, tok, &gatewayv1.User{Email: setupEmail, DisplayName: "Ansvarig", Role: gatewayv1.Role_ROLE_ADMIN}, setupPass, setupAddr)
	return err
}

// openGateway is a gateway's accounts, audit log and core on js, as a
// gateway (re)started there has them.
func openGateway(ctx context.Context, js jetstream.JetStream) (*Gateway, error) {
	accts, err := account.Open(ctx, js, account.Config{HashCost: cheapHash})
	if err != nil {
		return nil, err
	}
	log, err := audit.Open(ctx, js, 1, time.Now, ids.UUIDv7{})
	if err != nil {
		accts.Close()
		return nil, err
	}
	return &Gateway{Accounts: accts, Audit: log, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil
}

// restarted is openGateway for a test, closed at its end.
func restarted(t *testing.T, js jetstream.JetStream) *Gateway {
	t.Helper()
	g, err := openGateway(testutil.Context(t), js)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Accounts.Close)
	return g
}

// setupEntries are the log's setup entries and the admin's sign-ins, in
// the log's order.
func setupEntries(t *testing.T, g *Gateway) []*gatewayv1.AuditEntry {
	t.Helper()
	es, _, err := g.Audit.Search(testutil.Context(t), audit.Query{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []*gatewayv1.AuditEntry
	for _, e := range es {
		if e.GetChannel() == "setup" || e.GetAction() == "signin" {
			out = append(out, e)
		}
	}
	return out
}

// describe is entries as "action resource channel" words, for messages.
func describe(es []*gatewayv1.AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.GetAction()+" "+e.GetResourceType()+" "+e.GetChannel())
	}
	return out
}

// checkSetupEntry fails unless es[0] is the setup's entry of admin, at
// the time the account was made, from the form's network.
func checkSetupEntry(t *testing.T, es []*gatewayv1.AuditEntry, admin *gatewayv1.User) {
	t.Helper()
	if len(es) == 0 {
		t.Fatal("no setup entry")
	}
	e := es[0]
	if e.GetChannel() != "setup" || e.GetAction() != "create" || e.GetResourceType() != "user" || e.GetUserId() != admin.GetId() ||
		e.GetResourceId() != admin.GetId() || e.GetRole() != gatewayv1.Role_ROLE_ADMIN.String() || e.GetOutcome() != "ok" {
		t.Errorf("setup entry %v, want create user setup by and of %s", e, admin.GetId())
	}
	if !e.GetTime().AsTime().Equal(admin.GetCreateTime().AsTime()) {
		t.Errorf("setup entry at %v, want the account's making %v", e.GetTime().AsTime(), admin.GetCreateTime().AsTime())
	}
	if e.GetRemoteAddr() != "203.0.113.0/24" {
		t.Errorf("setup entry from %q, want the form's network 203.0.113.0/24", e.GetRemoteAddr())
	}
}

// TestSetupAdminSurvivesAKill: a gateway killed (SIGKILL, a real child
// process) after the setup form made the first admin and before its
// audit entry left the admin with no entry at all (ADR 0223's kill -9 at
// 50 ms). Restarted on the same files, the gateway finds the admin
// unrecorded and writes the entry, with the time the account was made and
// the form's network: at start, by two gateways starting at once, or at
// the admin's first sign-in (before its sign-in entry) on a gateway
// that skipped the start's check. Once, however many gateways start
// after.
func TestSetupAdminSurvivesAKill(t *testing.T) {
	t.Parallel()
	for _, when := range []string{"start", "two starts at once", "first sign-in"} {
		t.Run(when, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "MP_SETUP_CRASH_DIR="+dir)
			cmd.Stderr = os.Stderr
			var ee *exec.ExitError
			if err := cmd.Run(); !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child: %v, want killed by SIGKILL", err)
			}
			n := testutil.MustNATSDir(t, dir)
			ctx := testutil.Context(t)
			g := restarted(t, n.JS)
			a, ok := g.Accounts.ByEmail(setupEmail)
			if !ok {
				t.Fatal("the killed form made no admin")
			}
			admin := a.GetUser()
			if es := setupEntries(t, g); len(es) != 0 {
				t.Fatalf("before the restart's check: %v, want none (the kill's point)", describe(es))
			}
			switch when {
			case "start":
				if err := g.LogSetupAdmin(ctx); err != nil {
					t.Fatal(err)
				}
			case "two starts at once":
				other := restarted(t, n.JS)
				var wg sync.WaitGroup
				for _, r := range []*Gateway{g, other} {
					wg.Go(func() {
						if err := r.LogSetupAdmin(ctx); err != nil {
							t.Error(err)
						}
					})
				}
				wg.Wait()
			case "first sign-in":
				signedIn, err := g.Authenticate(ctx, setupEmail, setupPass, SignIn{})
				if err != nil {
					t.Fatal(err)
				}
				if err := g.SignedIn(ctx, signedIn, SignIn{Action: "signin", Resource: "session", Channel: "web", RemoteAddr: setupAddr}); err != nil {
					t.Fatal(err)
				}
			}
			es := setupEntries(t, g)
			checkSetupEntry(t, es, admin)
			if when == "first sign-in" && (len(es) != 2 || es[1].GetAction() != "signin") {
				t.Errorf("entries %v, want the setup's, then the sign-in", describe(es))
			}
			// Gateways started after find the entry and write none.
			for range 2 {
				if err := restarted(t, n.JS).LogSetupAdmin(ctx); err != nil {
					t.Fatal(err)
				}
			}
			var setups int
			for _, e := range setupEntries(t, g) {
				if e.GetChannel() == "setup" {
					setups++
				}
			}
			if setups != 1 {
				t.Errorf("%d setup entries after more starts, want 1", setups)
			}
		})
	}
}

// TestSetupAdminRecordedOnce: the form that lives writes the setup's
// entry itself, at the account's time, and a gateway whose start check
// runs while the form is between the create and its entry (a replica
// starting then) writes the same entry, stored once.
func TestSetupAdminRecordedOnce(t *testing.T) {
	t.Parallel()
	for _, meanwhile := range []bool{false, true} {
		t.Run(fmt.Sprint("another start meanwhile ", meanwhile), func(t *testing.T) {
			t.Parallel()
			n := testutil.MustNATS(t)
			ctx := testutil.Context(t)
			g, other := restarted(t, n.JS), restarted(t, n.JS)
			if meanwhile {
				g.setupCreated = func() {
					if err := other.LogSetupAdmin(ctx); err != nil {
						t.Error(err)
					}
				}
			}
			tok, _, err := g.Accounts.SetupToken(ctx)
			if err != nil {
				t.Fatal(err)
			}
			admin, took, err := g.SetupAdmin(ctx, tok, &gatewayv1.User{Email: setupEmail, DisplayName: "Ansvarig", Role: gatewayv1.Role_ROLE_ADMIN}, setupPass, setupAddr)
			if err != nil || !took {
				t.Fatalf("setup: took %v, %v", took, err)
			}
			if err := restarted(t, n.JS).LogSetupAdmin(ctx); err != nil {
				t.Fatal(err)
			}
			es := setupEntries(t, g)
			checkSetupEntry(t, es, admin)
			if len(es) != 1 {
				t.Errorf("entries %v, want the setup's once", describe(es))
			}
		})
	}
}
