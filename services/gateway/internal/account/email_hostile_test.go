package account

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestEmailChangeRefusesHostileAddresses (ADR 0208): an e-mail change to
// an address with control or invisible characters, to another user's
// address in any case or with spaces around it, or to one of a million
// bytes is refused with the field named, and the account keeps its
// address: it signs in with it, and with no other.
func TestEmailChangeRefusesHostileAddresses(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	s := openSealed(t, n.JS, sealtest.Keyring(t, n.JS))
	ctx := testutil.Context(t)
	mustCreate(t, s, "admin@example.org", "Admin", gatewayv1.Role_ROLE_ADMIN)
	c := mustCreate(t, s, "asa@example.org", "Åsa Lind", gatewayv1.Role_ROLE_COORDINATOR)
	mustCreate(t, s, "bo.berg@example.org", "Bo Berg", gatewayv1.Role_ROLE_COORDINATOR)
	for what, tc := range map[string]struct {
		email string
		code  apperr.Code
	}{
		"a line break":             {"asa\n@example.org", apperr.Invalid},
		"a NUL":                    {"asa\x00@example.org", apperr.Invalid},
		"a right-to-left override": {"asa\u202e@example.org", apperr.Invalid},
		"a zero-width space":       {"as\u200ba@example.org", apperr.Invalid},
		"a display name":           {"Bo <bo.berg@example.org>", apperr.Invalid},
		"two addresses":            {"asa@example.org, bo.berg@example.org", apperr.Invalid},
		"empty":                    {"", apperr.Invalid},
		"a million bytes":          {strings.Repeat("a", 1_000_000) + "@example.org", apperr.Invalid},
		"not UTF-8":                {"as\xffa@example.org", apperr.Invalid},
		"Bo's":                     {"bo.berg@example.org", apperr.AlreadyExists},
		"Bo's in capitals":         {"BO.BERG@EXAMPLE.ORG", apperr.AlreadyExists},
		"Bo's mixed, spaced":       {"  Bo.Berg@Example.Org ", apperr.AlreadyExists},
		"the admin's":              {"Admin@example.org", apperr.AlreadyExists},
	} {
		_, err := s.UpdateUser(ctx, &gatewayv1.User{Id: c.GetId(), Email: tc.email}, []string{"email"}, "")
		if apperr.ErrorCode(err) != tc.code || (tc.code == apperr.Invalid && !strings.Contains(err.Error(), "user.email")) {
			t.Errorf("%s: %v, want %s naming user.email", what, err, tc.code)
		}
	}
	if u, err := s.GetUser(ctx, c.GetId()); err != nil || u.GetEmail() != "asa@example.org" {
		t.Errorf("Åsa after the refusals: %v %v, want asa@example.org", u, err)
	}
	if _, err := s.Authenticate("asa@example.org", "ett långt lösenord"); err != nil {
		t.Errorf("Åsa's own address: %v", err)
	}
	if a, err := s.Authenticate("bo.berg@example.org", "ett långt lösenord"); err != nil || a.GetUser().GetDisplayName() != "Bo Berg" {
		t.Errorf("Bo's address signs in %v %v, want Bo", a.GetUser().GetDisplayName(), err)
	}
}
