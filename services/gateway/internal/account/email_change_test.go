package account

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestChangeEmail (ADR 0207): an admin corrects a coordinator's address.
// The new one signs in and the old one no more (as an address nobody
// has: the dummy hash is checked); another account's address is refused
// with the create's words; the old address may be given to a new account
// at once, the new one not; a malformed one is refused naming the field.
func TestChangeEmail(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	s := openSealed(t, n.JS, sealtest.Keyring(t, n.JS))
	ctx := testutil.Context(t)
	mustCreate(t, s, "admin@example.org", "Admin", gatewayv1.Role_ROLE_ADMIN)
	c := mustCreate(t, s, "ana@example.org", "Anna Lind", gatewayv1.Role_ROLE_COORDINATOR)
	other := mustCreate(t, s, "bo@example.org", "Bo Ek", gatewayv1.Role_ROLE_COORDINATOR)

	out, err := s.UpdateUser(ctx, &gatewayv1.User{Id: c.GetId(), Email: " Anna@Example.org"}, []string{"email"}, "")
	if err != nil || out.GetEmail() != "anna@example.org" {
		t.Fatalf("change e-mail: %v, %v; want anna@example.org", out.GetEmail(), err)
	}
	if a, err := s.Authenticate("anna@example.org", "ett långt lösenord"); err != nil || a.GetUser().GetId() != c.GetId() {
		t.Fatalf("sign in with the new e-mail: %v, %v", a.GetUser().GetId(), err)
	}
	var dummy []bool
	s.checked = func(d bool) { dummy = append(dummy, d) }
	if _, err := s.Authenticate("ana@example.org", "ett långt lösenord"); !errors.Is(err, ErrBadCredentials) || len(dummy) != 1 || !dummy[0] {
		t.Fatalf("sign in with the old e-mail: %v (dummy hash checked: %v), want ErrBadCredentials on the unknown path", err, dummy)
	}
	s.checked = nil

	_, created := s.CreateUser(ctx, &gatewayv1.User{Email: "bo@example.org", DisplayName: "X", Role: gatewayv1.Role_ROLE_OPERATOR}, "ett långt lösenord")
	_, changed := s.UpdateUser(ctx, &gatewayv1.User{Id: c.GetId(), Email: "bo@example.org"}, []string{"email"}, "")
	if apperr.ErrorCode(changed) != apperr.AlreadyExists || apperr.ErrorMessage(changed) != apperr.ErrorMessage(created) {
		t.Fatalf("change to another's e-mail: %v; want AlreadyExists as a create says it (%v)", changed, created)
	}
	if got, _ := s.GetUser(ctx, c.GetId()); got.GetEmail() != "anna@example.org" {
		t.Fatalf("after the refusal the e-mail is %s", got.GetEmail())
	}
	if got, _ := s.GetUser(ctx, other.GetId()); got.GetEmail() != "bo@example.org" {
		t.Fatalf("the other account's e-mail is %s", got.GetEmail())
	}
	if _, err := s.UpdateUser(ctx, &gatewayv1.User{Id: c.GetId(), Email: "anna(at)example.org"}, []string{"email"}, ""); !hasViolation(err, "user.email") {
		t.Fatalf("malformed e-mail: %v, want Invalid naming user.email", err)
	}
	if _, err := s.UpdateUser(ctx, &gatewayv1.User{Id: c.GetId(), Email: "anna@example.org"}, []string{"email"}, ""); err != nil {
		t.Fatalf("the same e-mail again: %v", err)
	}

	again := mustCreate(t, s, "ana@example.org", "Ana Berg", gatewayv1.Role_ROLE_OPERATOR)
	if a, err := s.Authenticate("ana@example.org", "ett långt lösenord"); err != nil || a.GetUser().GetId() != again.GetId() {
		t.Fatalf("the old e-mail's new account signs in as %v, %v; want %s", a.GetUser().GetId(), err, again.GetId())
	}
	if _, err := s.CreateUser(ctx, &gatewayv1.User{Email: "anna@example.org", DisplayName: "Y", Role: gatewayv1.Role_ROLE_OPERATOR}, "ett långt lösenord"); apperr.ErrorCode(err) != apperr.AlreadyExists {
		t.Fatalf("a new account with the changed-to e-mail: %v, want AlreadyExists", err)
	}
}

// TestEmailChangesMeetOnce: changes and creates that give one address at
// the same moment, on two replicas, leave at most one account with it
// (and the ones refused are told it is taken); each round also moves an
// account away from an address a create takes at that moment.
func TestEmailChangesMeetOnce(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	k := sealtest.Keyring(t, n.JS)
	s1, s2 := openSealed(t, n.JS, k), openSealed(t, n.JS, k)
	ctx := testutil.Context(t)
	mustCreate(t, s1, "admin@example.org", "Admin", gatewayv1.Role_ROLE_ADMIN)
	for round := range 4 {
		a := mustCreate(t, s1, fmt.Sprintf("a%d@example.org", round), "A", gatewayv1.Role_ROLE_OPERATOR)
		b := mustCreate(t, s2, fmt.Sprintf("b%d@example.org", round), "B", gatewayv1.Role_ROLE_OPERATOR)
		target := fmt.Sprintf("x%d@example.org", round)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		wg.Go(func() {
			_, errs[0] = s1.UpdateUser(ctx, &gatewayv1.User{Id: a.GetId(), Email: target}, []string{"email"}, "")
		})
		wg.Go(func() {
			_, errs[1] = s2.UpdateUser(ctx, &gatewayv1.User{Id: b.GetId(), Email: target}, []string{"email"}, "")
		})
		wg.Go(func() {
			_, errs[2] = s2.CreateUser(ctx, &gatewayv1.User{Email: target, DisplayName: "C", Role: gatewayv1.Role_ROLE_OPERATOR}, "ett långt lösenord")
		})
		wg.Go(func() {
			_, errs[3] = s1.CreateUser(ctx, &gatewayv1.User{Email: fmt.Sprintf("a%d@example.org", round), DisplayName: "D",
				Role: gatewayv1.Role_ROLE_OPERATOR}, "ett långt lösenord")
		})
		wg.Wait()
		for i, err := range errs {
			if err != nil && apperr.ErrorCode(err) != apperr.AlreadyExists {
				t.Fatalf("round %d, writer %d: %v", round, i, err)
			}
		}
		for _, s := range []*Service{s1, s2} {
			if err := s.accounts.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			for _, addr := range []string{target, fmt.Sprintf("a%d@example.org", round)} {
				page, err := s.accounts.Find(store.Query[*storev1.Account]{Index: "email", Values: []string{s.emailTerm(addr)}})
				if err != nil {
					t.Fatal(err)
				}
				if page.Total > 1 {
					t.Fatalf("round %d: %d accounts have %s (errors %v)", round, page.Total, addr, errs)
				}
			}
		}
	}
}

// hasViolation reports whether err is Invalid naming field.
func hasViolation(err error, field string) bool {
	for _, fv := range apperr.Violations(err) {
		if fv.Field == field {
			return true
		}
	}
	return false
}
