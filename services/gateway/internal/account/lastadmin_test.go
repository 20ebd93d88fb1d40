package account

import (
	"sync"
	"testing"
	"time"

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

// TestAdminLeftLeavingByACrash: a gateway that dies between entering an
// admin as leaving and its change (kill -9, as far as the key can tell:
// enterLeaving without its change or leave) leaves the id behind. A
// gateway started on the same NATS does not count that admin as one who
// stays for leavingStale, so it refuses to end the other (a refusal too
// many, never an admin too few), and counts them again after it.
func TestAdminLeftLeavingByACrash(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	k := sealtest.Keyring(t, n.JS)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	open := func() *Service {
		s, err := Open(testutil.Context(t), n.JS, Config{Keyring: k, HashCost: cheap, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	ctx := testutil.Context(t)
	dead := open()
	a := mustCreate(t, dead, "anna@example.org", "Anna", gatewayv1.Role_ROLE_ADMIN)
	b := mustCreate(t, dead, "bo@example.org", "Bo", gatewayv1.Role_ROLE_ADMIN)
	if err := dead.enterLeaving(ctx, b.GetId()); err != nil { // then killed
		t.Fatal(err)
	}
	s := open()
	if err := s.DeleteUser(ctx, a.GetId()); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Errorf("deleting Anna while Bo's erasure hangs: %v, want FailedPrecondition", err)
	}
	mu.Lock()
	now = now.Add(leavingStale + time.Second)
	mu.Unlock()
	if err := s.DeleteUser(ctx, a.GetId()); err != nil {
		t.Errorf("deleting Anna once the dead gateway's entry is stale: %v", err)
	}
	if err := s.DeleteUser(ctx, b.GetId()); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Errorf("deleting Bo, the last admin: %v, want FailedPrecondition", err)
	}
}
