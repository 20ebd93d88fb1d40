package account

import (
	"errors"
	"slices"
	"strings"
	"testing"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestCheckSaysWhy: the audit log records why a sign-in was refused and,
// for an account the address names, which (ADR 0218); the caller hears
// ErrBadCredentials alike, but for a disabled account's right password,
// which hears ErrDisabled (ADR 0223). A disabled account is "disabled"
// in the log whether the password was right or not, so the log does not
// tell whether a guess at it was right. An address no account has names
// no account.
func TestCheckSaysWhy(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	s := openSealed(t, n.JS, sealtest.Keyring(t, n.JS))
	ctx := testutil.Context(t)
	mustCreate(t, s, "admin@example.org", "Admin", gatewayv1.Role_ROLE_ADMIN)
	asa := mustCreate(t, s, "asa@example.org", "Åsa Lind", gatewayv1.Role_ROLE_COORDINATOR)
	bo := mustCreate(t, s, "bo@example.org", "Bo Ek", gatewayv1.Role_ROLE_COORDINATOR)
	if _, err := s.UpdateUser(ctx, &gatewayv1.User{Id: bo.GetId(), Disabled: true}, []string{"disabled"}, ""); err != nil {
		t.Fatal(err)
	}
	const right, wrong = "ett långt lösenord", "fel lösenord 123"
	for _, tt := range []struct {
		name, email, password, account, reason string
		want                                   error
	}{
		{"a wrong password", "asa@example.org", wrong, asa.GetId(), RefusedPassword, ErrBadCredentials},
		{"a password too long", "asa@example.org", strings.Repeat("x", MaxPasswordLen+1), asa.GetId(), RefusedPassword, ErrBadCredentials},
		{"disabled, the right password", "bo@example.org", right, bo.GetId(), RefusedDisabled, ErrDisabled},
		{"disabled, a wrong password", "bo@example.org", wrong, bo.GetId(), RefusedDisabled, ErrBadCredentials},
		{"disabled, a password too long", "bo@example.org", strings.Repeat("x", MaxPasswordLen+1), bo.GetId(), RefusedDisabled, ErrBadCredentials},
		{"no account", "nobody@example.org", right, "", RefusedNoAccount, ErrBadCredentials},
	} {
		a, why, err := s.Check(tt.email, tt.password)
		if a != nil || !errors.Is(err, tt.want) || why.Account.GetUser().GetId() != tt.account || why.Reason != tt.reason {
			t.Errorf("%s: %v, refused as %q (%q), %v; want %q (%q), %v", tt.name, a, why.Account.GetUser().GetId(), why.Reason, err, tt.account, tt.reason, tt.want)
		}
	}
	if a, why, err := s.Check("asa@example.org", right); err != nil || a.GetUser().GetId() != asa.GetId() || why != (Refusal{}) {
		t.Errorf("the right password: %v, %v, %v", a, why, err)
	}
}

// TestEraseUserSaysWhatEnded: the erasure's audit entry names the
// sessions and API tokens it ended (ADR 0218).
func TestEraseUserSaysWhatEnded(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	s := openSealed(t, n.JS, sealtest.Keyring(t, n.JS))
	ctx := testutil.Context(t)
	mustCreate(t, s, "admin@example.org", "Admin", gatewayv1.Role_ROLE_ADMIN)
	asa := mustCreate(t, s, "asa@example.org", "Åsa Lind", gatewayv1.Role_ROLE_COORDINATOR)
	a, err := s.Authenticate("asa@example.org", "ett långt lösenord")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for range 2 {
		cookie, _, err := s.CreateSession(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, SessionID(cookie))
	}
	id, _, _, err := s.CreateToken(ctx, a, "mp")
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, id)
	ended, err := s.EraseUser(ctx, asa.GetId())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ended)
	slices.Sort(want)
	if !slices.Equal(ended, want) {
		t.Errorf("ended %v, want %v", ended, want)
	}
	if ended, err := s.EraseUser(ctx, asa.GetId()); len(ended) != 0 || err == nil {
		t.Errorf("erased again: %v, %v; want nothing ended, NotFound", ended, err)
	}
}
