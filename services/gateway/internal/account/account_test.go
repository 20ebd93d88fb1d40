package account

import (
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func open(t *testing.T) *Service {
	t.Helper()
	n := testutil.MustNATS(t)
	s, err := Open(testutil.Context(t), n.JS, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := testutil.Context(t)

	t.Run("a long non-ASCII password can be set and used", func(t *testing.T) {
		pass := strings.Repeat("åäö", MaxPasswordLen/3) // 126 characters, 252 bytes
		if _, err := s.CreateUser(ctx, &gatewayv1.User{Email: "long@example.org", DisplayName: "Long", Role: gatewayv1.Role_ROLE_OPERATOR}, pass); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate("long@example.org", pass); err != nil {
			t.Fatalf("sign in with the password just set: %v", err)
		}
		tooLong := strings.Repeat("å", MaxPasswordLen+1)
		if _, err := s.CreateUser(ctx, &gatewayv1.User{Email: "x@example.org", DisplayName: "X", Role: gatewayv1.Role_ROLE_OPERATOR}, tooLong); apperr.ErrorCode(err) != apperr.Invalid {
			t.Fatalf("too long a password: %v", err)
		}
	})

	t.Run("the last admin cannot be disabled or demoted", func(t *testing.T) {
		a, err := s.CreateUser(ctx, &gatewayv1.User{Email: "admin@example.org", DisplayName: "A", Role: gatewayv1.Role_ROLE_ADMIN}, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			u     *gatewayv1.User
			paths []string
		}{
			{&gatewayv1.User{Id: a.GetId(), Disabled: true}, []string{"disabled"}},
			{&gatewayv1.User{Id: a.GetId(), Role: gatewayv1.Role_ROLE_OPERATOR}, []string{"role"}},
		} {
			if _, err := s.UpdateUser(ctx, tc.u, tc.paths, ""); apperr.ErrorCode(err) != apperr.FailedPrecondition {
				t.Errorf("%v on the last admin: %v, want FailedPrecondition", tc.paths, err)
			}
		}
		b, err := s.CreateUser(ctx, &gatewayv1.User{Email: "admin2@example.org", DisplayName: "B", Role: gatewayv1.Role_ROLE_ADMIN}, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateUser(ctx, &gatewayv1.User{Id: a.GetId(), Disabled: true}, []string{"disabled"}, ""); err != nil {
			t.Fatalf("disable an admin while another remains: %v", err)
		}
		if _, err := s.UpdateUser(ctx, &gatewayv1.User{Id: b.GetId(), Role: gatewayv1.Role_ROLE_OPERATOR}, []string{"role"}, ""); apperr.ErrorCode(err) != apperr.FailedPrecondition {
			t.Fatalf("demote the one enabled admin left: %v", err)
		}
	})

	t.Run("users page by id", func(t *testing.T) {
		var all []string
		after := ""
		for range 10 {
			us, next, err := s.ListUsers(2, after)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range us {
				all = append(all, u.GetEmail())
			}
			if after = next; after == "" {
				break
			}
		}
		if len(all) != 3 {
			t.Fatalf("paged users: %v, want the 3 created", all)
		}
	})
}

func TestLimiter(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	l := NewLimiter(2, 10*time.Second, func() time.Time { return now })
	for i := range 2 {
		if ok, _ := l.Allow("k"); !ok {
			t.Fatalf("attempt %d within the burst refused", i+1)
		}
	}
	ok, retry := l.Allow("k")
	if ok || retry != 10*time.Second {
		t.Fatalf("past the burst: %v %v, want refused for 10s", ok, retry)
	}
	if ok, _ := l.Allow("other"); !ok {
		t.Fatal("another key shares the bucket")
	}
	now = now.Add(5 * time.Second)
	if ok, retry := l.Allow("k"); ok || retry != 5*time.Second {
		t.Fatalf("half refilled: %v %v, want refused for 5s", ok, retry)
	}
	now = now.Add(5 * time.Second)
	if ok, _ := l.Allow("k"); !ok {
		t.Fatal("refilled bucket refused")
	}
}

// TestDisplayNameWithoutControls: a display name shows in the users list
// and beside every audit entry: a right-to-left override would make one
// name read as another there (ADR 0195). A Persian name's zero-width
// non-joiner is a letter's shape, not a control; a joiner joining
// nothing is refused (ADR 0267).
func TestDisplayNameWithoutControls(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := testutil.Context(t)
	ok, err := s.CreateUser(ctx, &gatewayv1.User{Email: "zwnj@example.org", DisplayName: "مهر\u200cناز", Role: gatewayv1.Role_ROLE_OPERATOR}, "a long enough password")
	if err != nil {
		t.Fatalf("a name with a zero-width non-joiner: %v", err)
	}
	for name, dn := range map[string]string{"a right-to-left override": "Anna\u202eanotsirK", "a NUL": "Anna\x00", "an escape": "Anna\x1b[2J",
		"a line break": "Anna\nAdmin", "a left-to-right isolate": "Anna\u2066",
		// A joiner that joins nothing, or a name of joiners alone: a
		// user listed blank (ADR 0267).
		"a zero-width joiner alone": "\u200d", "two joiners": "\u200c\u200d", "a joiner after a word": "Anna\u200d Berg"} {
		_, err := s.CreateUser(ctx, &gatewayv1.User{Email: "cc@example.org", DisplayName: dn, Role: gatewayv1.Role_ROLE_OPERATOR}, "a long enough password")
		if apperr.ErrorCode(err) != apperr.Invalid || !strings.Contains(err.Error(), "user.display_name") {
			t.Errorf("create with %s: %v, want Invalid naming user.display_name", name, err)
		}
		_, err = s.UpdateUser(ctx, &gatewayv1.User{Id: ok.GetId(), DisplayName: dn}, []string{"display_name"}, "")
		if apperr.ErrorCode(err) != apperr.Invalid {
			t.Errorf("update with %s: %v, want Invalid", name, err)
		}
	}
	if _, err := s.Authenticate("cc@example.org", "a long enough password"); err == nil {
		t.Error("a refused user was stored")
	}
	// An API token's name is free text kept with it, held to the same rule.
	a, err := s.Authenticate("zwnj@example.org", "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.CreateToken(ctx, a, "laptop‮potpal"); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("a token named with a bidi override: %v, want Invalid", err)
	}
	if _, _, _, err := s.CreateToken(ctx, a, "mp på laptopen"); err != nil {
		t.Errorf("a token named in words: %v", err)
	}
}
