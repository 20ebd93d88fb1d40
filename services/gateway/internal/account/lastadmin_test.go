package account

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestTwoAdminsEraseEachOther: the only two admins, on two replicas,
// delete each other at the same moment (the second's delete runs whole
// between the first's check and its write). One delete stands, the other
// is refused as the last admin's, so the gateway keeps an admin.
func TestTwoAdminsEraseEachOther(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	k := sealtest.Keyring(t, n.JS)
	s1 := openSealed(t, n.JS, k)
	s2 := openSealed(t, n.JS, k)
	ctx := testutil.Context(t)
	a := mustCreate(t, s1, "anna@example.org", "Anna", gatewayv1.Role_ROLE_ADMIN)
	b := mustCreate(t, s1, "bo@example.org", "Bo", gatewayv1.Role_ROLE_ADMIN)
	if err := s2.accounts.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var second error
	s1.adminChecked = func() {
		s1.adminChecked = nil
		second = s2.DeleteUser(ctx, a.GetId()) // Bo erases Anna
	}
	first := s1.DeleteUser(ctx, b.GetId()) // Anna erases Bo
	if second != nil {
		t.Fatalf("the second delete: %v, want it to stand", second)
	}
	if apperr.ErrorCode(first) != apperr.FailedPrecondition {
		t.Errorf("the first delete: %v, want FailedPrecondition (the last admin)", first)
	}
	if err := s1.accounts.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !s1.otherActiveAdmin("") {
		t.Errorf("no enabled admin left")
	}
}

// TestTwoAdminsDemoteEachOther: as above, by UpdateUser taking the admin
// role (and disabling) instead of deleting.
func TestTwoAdminsDemoteEachOther(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		path string
		to   *gatewayv1.User
	}{
		{"role", "role", &gatewayv1.User{Role: gatewayv1.Role_ROLE_OPERATOR}},
		{"disabled", "disabled", &gatewayv1.User{Role: gatewayv1.Role_ROLE_ADMIN, Disabled: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := testutil.MustNATS(t)
			k := sealtest.Keyring(t, n.JS)
			s1 := openSealed(t, n.JS, k)
			s2 := openSealed(t, n.JS, k)
			ctx := testutil.Context(t)
			a := mustCreate(t, s1, "anna@example.org", "Anna", gatewayv1.Role_ROLE_ADMIN)
			b := mustCreate(t, s1, "bo@example.org", "Bo", gatewayv1.Role_ROLE_ADMIN)
			if err := s2.accounts.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			change := func(id string) *gatewayv1.User {
				u := &gatewayv1.User{Id: id, Role: tc.to.GetRole(), Disabled: tc.to.GetDisabled()}
				return u
			}
			var second error
			s1.adminChecked = func() {
				s1.adminChecked = nil
				_, second = s2.UpdateUser(ctx, change(a.GetId()), []string{tc.path}, "")
			}
			_, first := s1.UpdateUser(ctx, change(b.GetId()), []string{tc.path}, "")
			if second != nil {
				t.Fatalf("the second change: %v, want it to stand", second)
			}
			if apperr.ErrorCode(first) != apperr.FailedPrecondition {
				t.Errorf("the first change: %v, want FailedPrecondition (the last admin)", first)
			}
			if err := s1.accounts.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if !s1.otherActiveAdmin("") {
				t.Errorf("no enabled admin left")
			}
		})
	}
}
