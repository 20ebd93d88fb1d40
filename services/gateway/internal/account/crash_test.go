package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// A crash test runs the accounts in a child process (this test binary
// again, told by MP_CRASH_DIR, MP_CRASH_MODE and MP_CRASH_KEK), which
// plants its users, writes their ids and secrets to dir/state.json, starts
// the change its mode names and dies (exit crashExitCode, no deferred
// work, as kill -9) at the point the mode names. The test then opens the
// same NATS files and keys and checks what the restarted gateway holds.
const crashExitCode = 3

func TestMain(m *testing.M) {
	if dir := os.Getenv("MP_CRASH_DIR"); dir != "" {
		if err := crashChild(dir, os.Getenv("MP_CRASH_MODE"), os.Getenv("MP_CRASH_KEK")); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(1)
		}
		os.Exit(0) // the mode's change returned: it did not die where it should
	}
	os.Exit(m.Run())
}

// crashState is what the child planted.
type crashState struct {
	Anna, Bo, Asa string // two admins and a coordinator
	Cookie, Token string // Åsa's session and API token
}

const crashPass = "ett långt lösenord"

// crashedChild runs mode in a child process (this test binary, crashChild)
// that exits with crashExitCode at its crash point, then opens the
// accounts again on the child's files with the same KEK, as a gateway
// restarted there: the service (stopped at the test's end) and what the
// child wrote down before it died.
func crashedChild(t *testing.T, mode string) (*Service, crashState) {
	t.Helper()
	dir := t.TempDir()
	kekText, kek := sealtest.KEKText(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "MP_CRASH_DIR="+dir, "MP_CRASH_MODE="+mode, "MP_CRASH_KEK="+kekText)
	cmd.Stderr = os.Stderr
	var ee *exec.ExitError
	if err := cmd.Run(); !errors.As(err, &ee) || ee.ExitCode() != crashExitCode {
		t.Fatalf("child: %v, want exit %d", err, crashExitCode)
	}
	var st crashState
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil || json.Unmarshal(b, &st) != nil {
		t.Fatalf("state: %v %s", err, b)
	}
	s, stop, err := openOn(testutil.Context(t), dir, kek)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return s, st
}

// signsInAs is the id of the account email signs in as with the crash
// tests' password, or "" for none.
func signsInAs(s *Service, email string) string {
	a, err := s.Authenticate(email, crashPass)
	if err != nil {
		return ""
	}
	return a.GetUser().GetId()
}

// openOn opens the accounts on the NATS files in dir with the keyring of
// kek, as a gateway (re)started on them.
func openOn(ctx context.Context, dir string, kek seal.KEK, opts ...func(*Config)) (*Service, func(), error) {
	ns, err := natsembed.Start(natsembed.Options{StoreDir: filepath.Join(dir, "nats"), Port: -1, SyncAlways: true})
	if err != nil {
		return nil, nil, err
	}
	nc, err := natsembed.Connect(ns, "accounts-crash")
	if err != nil {
		ns.Shutdown()
		return nil, nil, err
	}
	stop := func() { nc.Close(); ns.Shutdown(); ns.WaitForShutdown() }
	js, err := jetstream.New(nc)
	if err != nil {
		stop()
		return nil, nil, err
	}
	k, err := seal.Open(ctx, js, seal.Config{KEKs: []seal.KEK{kek}})
	if err != nil {
		stop()
		return nil, nil, err
	}
	cfg := Config{Keyring: k, HashCost: cheap}
	for _, o := range opts {
		o(&cfg)
	}
	s, err := Open(ctx, js, cfg)
	if err != nil {
		k.Close()
		stop()
		return nil, nil, err
	}
	return s, func() { s.Close(); k.Close(); stop() }, nil
}

func crashChild(dir, mode, kekText string) error {
	ctx := context.Background()
	kek, err := seal.ParseKEK(kekText)
	if err != nil {
		return err
	}
	// A mode may die inside the accounts bucket's write: after an
	// entry is stored, before the store's own next step (its purge).
	var dieInWrite, dieInCreate atomic.Bool
	s, _, err := openOn(ctx, dir, kek, func(c *Config) {
		c.accountHooks = &store.Hooks{AfterWrite: func(string) error {
			if dieInWrite.Load() {
				os.Exit(crashExitCode)
			}
			return nil
		}, AfterRecord: func(string) error {
			if dieInCreate.Load() {
				os.Exit(crashExitCode)
			}
			return nil
		}}
	})
	if err != nil {
		return err
	}
	create := func(email, name string, role gatewayv1.Role) (string, error) {
		u := &gatewayv1.User{Email: email, DisplayName: name, Role: role}
		if role == gatewayv1.Role_ROLE_COORDINATOR {
			u.OrganisationId, u.MunicipalityCodes = "org-1", []string{"0180"}
		}
		out, err := s.CreateUser(ctx, u, crashPass)
		return out.GetId(), err
	}
	var st crashState
	if st.Anna, err = create("anna@example.org", "Anna", gatewayv1.Role_ROLE_ADMIN); err != nil {
		return err
	}
	if st.Bo, err = create("bo@example.org", "Bo", gatewayv1.Role_ROLE_ADMIN); err != nil {
		return err
	}
	if st.Asa, err = create("asa@example.org", "Åsa Lind", gatewayv1.Role_ROLE_COORDINATOR); err != nil {
		return err
	}
	a, err := s.Authenticate("asa@example.org", crashPass)
	if err != nil {
		return err
	}
	if st.Cookie, _, err = s.CreateSession(ctx, a); err != nil {
		return err
	}
	if _, st.Token, _, err = s.CreateToken(ctx, a, "mp"); err != nil {
		return err
	}
	b, _ := json.Marshal(st)
	if err := os.WriteFile(filepath.Join(dir, "state.json"), b, 0o600); err != nil {
		return err
	}
	die := func() { os.Exit(crashExitCode) }
	switch mode {
	case "email written":
		s.emailWritten = die
		_, err = s.UpdateUser(ctx, &gatewayv1.User{Id: st.Asa, Email: "asa.lind@example.org"}, []string{"email"}, "")
	case "coordinator removed":
		s.removed = die
		err = s.DeleteUser(ctx, st.Asa)
	case "admin removed":
		s.removed = die
		err = s.DeleteUser(ctx, st.Bo)
	case "admin email written":
		// An admin's address corrected and the admin erased at once.
		s.emailWritten = func() {
			s.emailWritten = nil
			s.removed = die
			if err := s.DeleteUser(ctx, st.Bo); err != nil {
				fmt.Fprintln(os.Stderr, "delete:", err)
			}
		}
		_, err = s.UpdateUser(ctx, &gatewayv1.User{Id: st.Bo, Email: "bo.berg@example.org"}, []string{"email"}, "")
	case "a create dies before its reservation is decided":
		dieInCreate.Store(true)
		_, err = s.CreateUser(ctx, &gatewayv1.User{Email: "delad@example.org", DisplayName: "Dan", Role: gatewayv1.Role_ROLE_OPERATOR}, crashPass)
	case "coordinator erased, a sign-in meanwhile":
		// Another replica signs her in while she is being erased: after
		// the first sweep, before the removal. The eraser dies after it.
		s.sessionsEnded = func() {
			a, err := s.Authenticate("asa@example.org", crashPass)
			if err == nil {
				_, _, err = s.CreateSession(ctx, a)
			}
			if err == nil {
				_, _, _, err = s.CreateToken(ctx, a, "mp")
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "sign-in meanwhile:", err)
				os.Exit(1)
			}
		}
		s.removed = die
		err = s.DeleteUser(ctx, st.Asa)
	case "coordinator removed, not purged":
		dieInWrite.Store(true)
		err = s.DeleteUser(ctx, st.Asa)
	default:
		err = raceChild(ctx, s, st, mode, die)
	}
	return fmt.Errorf("mode %q returned %v without dying", mode, err)
}

// TestCrashThroughEmailChangeAndDeleteUser kills a gateway (its accounts)
// between the steps of an e-mail change and of DeleteUser and restarts on
// the same files (ADR 0208): no account with two addresses or none, no
// user lost but the one erased, the old address never signs in again, the
// erased user's session and token stay refused, and the admins' rule
// holds (the dead erasure's leaving mark refuses, never lets through).
func TestCrashThroughEmailChangeAndDeleteUser(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"email written", "coordinator removed", "admin removed", "admin email written"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := testutil.Context(t)
			s, st := crashedChild(t, mode)
			signsIn := func(email string) string { return signsInAs(s, email) }
			users, _, err := s.ListUsers(0, "")
			if err != nil {
				t.Fatal(err)
			}
			byEmail := map[string]int{}
			for _, u := range users {
				byEmail[u.GetEmail()]++
				if u.GetEmail() == "" {
					t.Errorf("%s has no e-mail", u.GetId())
				}
			}
			for e, n := range byEmail {
				if n > 1 {
					t.Errorf("%d accounts have %s", n, e)
				}
			}
			wantUsers := 3
			switch mode {
			case "email written":
				// The change was written, so it stands: the new address
				// signs in, the old one no more.
				if got := signsIn("asa.lind@example.org"); got != st.Asa {
					t.Errorf("the new address signs in as %q, want Åsa", got)
				}
				if got := signsIn("asa@example.org"); got != "" {
					t.Errorf("the old address still signs in (as %s)", got)
				}
				if _, err := s.Session(ctx, st.Cookie); err != nil {
					t.Errorf("Åsa's session after the change: %v", err)
				}
			case "coordinator removed":
				wantUsers = 2
				if got := signsIn("asa@example.org"); got != "" {
					t.Errorf("the erased coordinator signs in (as %s)", got)
				}
				if _, err := s.Session(ctx, st.Cookie); apperr.ErrorCode(err) != apperr.Unauthenticated {
					t.Errorf("the erased coordinator's session: %v", err)
				}
				if _, err := s.Token(ctx, st.Token); apperr.ErrorCode(err) != apperr.Unauthenticated {
					t.Errorf("the erased coordinator's token: %v", err)
				}
				if err := s.DeleteUser(ctx, st.Asa); apperr.ErrorCode(err) != apperr.NotFound {
					t.Errorf("deleting her again: %v, want NotFound", err)
				}
			case "admin removed", "admin email written":
				wantUsers = 2
				for _, e := range []string{"bo@example.org", "bo.berg@example.org"} {
					if got := signsIn(e); got != "" {
						t.Errorf("the erased admin's %s signs in (as %s)", e, got)
					}
				}
				if got := signsIn("anna@example.org"); got != st.Anna {
					t.Errorf("Anna signs in as %q", got)
				}
				// The dead erasure left Bo leaving; Anna stays the last
				// admin either way.
				if err := s.DeleteUser(ctx, st.Anna); apperr.ErrorCode(err) != apperr.FailedPrecondition {
					t.Errorf("deleting Anna, the last admin: %v, want FailedPrecondition", err)
				}
			}
			if len(users) != wantUsers {
				t.Errorf("%d users after the restart, want %d", len(users), wantUsers)
			}
		})
	}
}
