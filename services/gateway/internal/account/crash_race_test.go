package account

// Two writers meeting on one address, and a crash at each step of the
// later one (ADR 0212): the modes crashChild hands on to raceChild, and
// the checks after the restart.

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// shared is the address two writers meet on.
const shared = "delad@example.org"

// raceChild runs the race modes: Åsa (a coordinator) takes the shared
// address between a later writer's first look and its write (Bo's change,
// or a new account's create), and the later writer dies at the step its
// mode names.
func raceChild(ctx context.Context, s *Service, st crashState, mode string, die func()) error {
	asaTakes := func() {
		s.emailLooked = nil
		if _, err := s.UpdateUser(ctx, &gatewayv1.User{Id: st.Asa, Email: shared}, []string{"email"}, ""); err != nil {
			fmt.Fprintln(os.Stderr, "Åsa's change:", err)
			os.Exit(1)
		}
	}
	boChanges := func() error {
		_, err := s.UpdateUser(ctx, &gatewayv1.User{Id: st.Bo, Email: shared}, []string{"email"}, "")
		return err
	}
	danCreated := func() error {
		_, err := s.CreateUser(ctx, &gatewayv1.User{Email: shared, DisplayName: "Dan", Role: gatewayv1.Role_ROLE_OPERATOR}, crashPass)
		return err
	}
	dieMet := func(met bool) {
		if met {
			die()
		}
	}
	switch mode {
	case "later change dies before its check":
		// Åsa's check arms the death at Bo's write.
		s.emailLooked = asaTakes
		s.emailChecked = func(bool) { s.emailWritten = die }
		return boChanges()
	case "later change dies before stepping back":
		s.emailLooked, s.emailChecked = asaTakes, dieMet
		return boChanges()
	case "later create dies before its check":
		s.emailLooked = asaTakes
		s.emailChecked = func(bool) { s.emailWritten = die }
		return danCreated()
	case "later create dies before stepping back":
		s.emailLooked, s.emailChecked = asaTakes, dieMet
		return danCreated()
	case "later create dies once withdrawn":
		s.emailLooked, s.emailWithdrawn = asaTakes, die
		return danCreated()
	case "both changes die before their checks":
		// Bo has looked; Åsa writes and stops before her check; Bo
		// writes and the gateway dies.
		var looked, written atomic.Int32
		asaWrote := make(chan struct{})
		s.emailLooked = func() {
			if looked.Add(1) > 1 {
				return
			}
			go func() {
				_, err := s.UpdateUser(ctx, &gatewayv1.User{Id: st.Asa, Email: shared}, []string{"email"}, "")
				fmt.Fprintln(os.Stderr, "Åsa's change returned:", err)
				os.Exit(1)
			}()
			<-asaWrote
		}
		s.emailWritten = func() {
			if written.Add(1) == 1 {
				close(asaWrote)
				select {}
			}
			die()
		}
		return boChanges()
	case "a change dies after its check":
		s.emailChecked = func(met bool) {
			if !met {
				die()
			}
		}
		_, err := s.UpdateUser(ctx, &gatewayv1.User{Id: st.Asa, Email: shared}, []string{"email"}, "")
		return err
	case "coordinator's sessions ended":
		s.sessionsEnded = die
		return s.DeleteUser(ctx, st.Asa)
	}
	return fmt.Errorf("no mode %q", mode)
}

// TestCrashThroughTwoEmailWriters kills the gateway at each step of the
// later of two writers that met on one address (and after a single
// change's check, and inside an erasure) and restarts on the same files:
// no two accounts have one address, every account signs in with the
// address it shows and no other, the earlier writer (answered OK) keeps
// the address, and the later one has its old address back or, a create,
// is gone.
func TestCrashThroughTwoEmailWriters(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{
		"later change dies before its check", "later change dies before stepping back",
		"later create dies before its check", "later create dies before stepping back", "later create dies once withdrawn",
		"a create dies before its reservation is decided",
		"both changes die before their checks", "a change dies after its check", "coordinator's sessions ended",
	} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			ctx := testutil.Context(t)
			s, st := crashedChild(t, mode)
			signsIn := func(email string) string { return signsInAs(s, email) }
			users, _, err := s.ListUsers(0, "")
			if err != nil {
				t.Fatal(err)
			}
			shown := map[string]string{} // id → the address the users list shows
			holders := map[string]int{}
			for _, u := range users {
				shown[u.GetId()] = u.GetEmail()
				holders[u.GetEmail()]++
			}
			for e, n := range holders {
				if n > 1 {
					t.Errorf("%d accounts have %s", n, e)
				}
			}
			if len(users) != 3 && mode != "a create dies before its reservation is decided" {
				t.Errorf("%d users after the restart, want 3 (%v)", len(users), shown)
			}
			// Every account signs in with the address it shows.
			for id, e := range shown {
				if got := signsIn(e); got != id {
					t.Errorf("%s signs in as %q, want %s", e, got, id)
				}
			}
			want := map[string]string{ // address → who signs in with it
				"anna@example.org": st.Anna, "bo@example.org": st.Bo, "asa@example.org": "", shared: st.Asa,
			}
			switch mode {
			case "both changes die before their checks":
				// Neither was answered: at most one keeps the address,
				// the other has its old one back.
				want = map[string]string{"anna@example.org": st.Anna}
				switch shown[st.Asa] {
				case shared:
					want["asa@example.org"], want["bo@example.org"] = "", st.Bo
				case "asa@example.org":
					want["asa@example.org"] = st.Asa
				default:
					t.Errorf("Åsa shows %q", shown[st.Asa])
				}
				if shown[st.Bo] != shared && shown[st.Bo] != "bo@example.org" {
					t.Errorf("Bo shows %q", shown[st.Bo])
				}
			case "a create dies before its reservation is decided":
				// Not answered: the account is there with the address,
				// or not at all; either way the address is one account's.
				want = map[string]string{"anna@example.org": st.Anna, "bo@example.org": st.Bo, "asa@example.org": st.Asa, shared: ""}
				dan := ""
				for id, e := range shown {
					if e == shared {
						dan = id
					}
				}
				want[shared] = dan
				if _, err := s.CreateUser(ctx, &gatewayv1.User{Email: shared, DisplayName: "Dan", Role: gatewayv1.Role_ROLE_OPERATOR}, crashPass); (dan != "") != (apperr.ErrorCode(err) == apperr.AlreadyExists) {
					t.Errorf("the address again (Dan's account %q): %v", dan, err)
				}
			case "coordinator's sessions ended":
				// The erasure was not answered: she is there, without
				// the sessions and tokens it ended; erasing her again
				// works.
				want = map[string]string{"asa@example.org": st.Asa, shared: ""}
				if _, err := s.Session(ctx, st.Cookie); apperr.ErrorCode(err) != apperr.Unauthenticated {
					t.Errorf("her ended session: %v", err)
				}
				defer func() {
					if err := s.DeleteUser(ctx, st.Asa); err != nil {
						t.Errorf("erasing her again: %v", err)
					} else if got := signsIn("asa@example.org"); got != "" {
						t.Errorf("she signs in after her erasure (as %s)", got)
					}
				}()
			}
			for e, id := range want {
				if got := signsIn(e); got != id {
					t.Errorf("%s signs in as %q, want %q", e, got, id)
				}
			}
		})
	}
}
