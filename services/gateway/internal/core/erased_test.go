package core

import (
	"testing"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// TestUserOrErased: a step's user is named while the account exists, and
// marked erased once it is gone (ADR 0201); the services' own subjects
// (not a user's id form) and an empty id are neither.
func TestUserOrErased(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	accts, err := account.Open(ctx, n.JS, account.Config{HashCost: account.HashCost{MemoryKiB: 64, Passes: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(accts.Close)
	for _, email := range []string{"admin@example.org", "sara@example.org"} {
		if _, err := accts.CreateUser(ctx, &gatewayv1.User{Email: email, DisplayName: "Sara Lind", Role: gatewayv1.Role_ROLE_ADMIN}, "ett långt lösenord"); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := accts.ByEmail("sara@example.org")
	id := a.GetUser().GetId()
	g := &Gateway{Accounts: accts}
	if name, erased := g.userOrErased(ctx, id); name != "Sara Lind" || erased {
		t.Errorf("before: %q %v, want the name", name, erased)
	}
	if err := accts.DeleteUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id     string
		erased bool
	}{{id, true}, {"", false}, {"seed", false}, {"answer-link", false}} {
		if name, erased := g.userOrErased(ctx, tc.id); name != "" || erased != tc.erased {
			t.Errorf("%q: %q %v, want erased %v", tc.id, name, erased, tc.erased)
		}
	}
}
