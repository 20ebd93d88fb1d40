package account

import (
	"bytes"
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// cheap is a password hash cost for tests: still Argon2id.
var cheap = HashCost{MemoryKiB: 64, Passes: 1}

func openSealed(t *testing.T, js jetstream.JetStream, k *seal.Keyring) *Service {
	t.Helper()
	s, err := Open(testutil.Context(t), js, Config{Keyring: k, HashCost: cheap})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func mustCreate(t *testing.T, s *Service, email, name string, role gatewayv1.Role) *gatewayv1.User {
	t.Helper()
	u := &gatewayv1.User{Email: email, DisplayName: name, Role: role}
	if role == gatewayv1.Role_ROLE_COORDINATOR {
		u.OrganisationId, u.MunicipalityCodes = "org-1", []string{"0180"}
	}
	out, err := s.CreateUser(testutil.Context(t), u, "ett långt lösenord")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeleteUser: an erased user's sessions and tokens stop at once, the
// sign-in is refused as for an e-mail nobody has (the same error, and the
// same path: the dummy hash is checked), the id is NotFound, and the rules
// hold: a bad id is Invalid, the last enabled admin stays.
func TestDeleteUser(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	s := openSealed(t, n.JS, sealtest.Keyring(t, n.JS))
	ctx := testutil.Context(t)
	admin := mustCreate(t, s, "admin@example.org", "Admin", gatewayv1.Role_ROLE_ADMIN)
	c := mustCreate(t, s, "åsa@example.org", "Åsa Lind", gatewayv1.Role_ROLE_COORDINATOR)
	a, err := s.Authenticate("åsa@example.org", "ett långt lösenord")
	if err != nil {
		t.Fatal(err)
	}
	cookie, _, err := s.CreateSession(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	_, token, _, err := s.CreateToken(ctx, a, "mp på Åsas dator")
	if err != nil {
		t.Fatal(err)
	}

	if err := s.DeleteUser(ctx, c.GetId()); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := s.Session(ctx, cookie); apperr.ErrorCode(err) != apperr.Unauthenticated {
		t.Errorf("the erased user's session: %v, want Unauthenticated", err)
	}
	if _, err := s.Token(ctx, token); apperr.ErrorCode(err) != apperr.Unauthenticated {
		t.Errorf("the erased user's token: %v, want Unauthenticated", err)
	}
	var dummy []bool
	s.checked = func(d bool) { dummy = append(dummy, d) }
	_, errErased := s.Authenticate("åsa@example.org", "ett långt lösenord")
	_, errUnknown := s.Authenticate("nobody@example.org", "ett långt lösenord")
	s.checked = nil
	if errErased != ErrBadCredentials || errUnknown != ErrBadCredentials {
		t.Errorf("sign-in as the erased user: %v; as nobody: %v; want both ErrBadCredentials", errErased, errUnknown)
	}
	if len(dummy) != 2 || !dummy[0] || !dummy[1] {
		t.Errorf("password checks against the dummy hash: %v, want [true true] (the unknown e-mail's path)", dummy)
	}
	if _, err := s.GetUser(ctx, c.GetId()); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("get the erased user: %v, want NotFound", err)
	}
	for _, tc := range []struct {
		id   string
		want apperr.Code
	}{
		{c.GetId(), apperr.NotFound},                              // already erased
		{"0190f2f4-0000-7000-8000-000000000000", apperr.NotFound}, // never was
		{"", apperr.Invalid},
		{"Åsa Lind", apperr.Invalid},
	} {
		if err := s.DeleteUser(ctx, tc.id); apperr.ErrorCode(err) != tc.want {
			t.Errorf("delete %q: %v, want %s", tc.id, err, tc.want)
		}
	}
	if err := s.DeleteUser(ctx, admin.GetId()); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Errorf("delete the last admin: %v, want FailedPrecondition", err)
	}
	if _, err := s.GetUser(ctx, admin.GetId()); err != nil {
		t.Errorf("the last admin after the refusal: %v", err)
	}

	// The e-mail is free again: a new account for it (within the day its
	// reservation is kept) signs in with its own password.
	again, err := s.CreateUser(ctx, &gatewayv1.User{Email: "åsa@example.org", DisplayName: "Åsa Lind", Role: gatewayv1.Role_ROLE_OPERATOR}, "ett annat långt lösenord")
	if err != nil {
		t.Fatalf("a new account for an erased user's e-mail: %v", err)
	}
	if again.GetId() == c.GetId() {
		t.Fatal("the new account took the erased one's id")
	}
	if _, err := s.Authenticate("åsa@example.org", "ett annat långt lösenord"); err != nil {
		t.Errorf("sign in to the new account: %v", err)
	}
	if _, err := s.CreateUser(ctx, &gatewayv1.User{Email: "åsa@example.org", DisplayName: "X", Role: gatewayv1.Role_ROLE_OPERATOR}, "ett annat långt lösenord"); apperr.ErrorCode(err) != apperr.AlreadyExists {
		t.Errorf("a second account for the e-mail: %v, want AlreadyExists", err)
	}
}

// TestClearAccountsAfterAnUpgrade: accounts an older version stored in
// clear (no keyring) still sign in, with their sessions, once the gateway
// runs with a keyring, and are then stored sealed.
func TestClearAccountsAfterAnUpgrade(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	old, err := Open(ctx, n.JS, Config{HashCost: cheap})
	if err != nil {
		t.Fatal(err)
	}
	u := mustCreate(t, old, "gammal@example.org", "Gammal Samordnare", gatewayv1.Role_ROLE_COORDINATOR)
	a, err := old.Authenticate("gammal@example.org", "ett långt lösenord")
	if err != nil {
		t.Fatal(err)
	}
	cookie, _, err := old.CreateSession(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	if raw := rawAccount(t, n.JS, u.GetId()); !bytes.Contains(raw, []byte("gammal@example.org")) {
		t.Fatal("the old way did not store the e-mail in clear: the test proves nothing")
	}

	s := openSealed(t, n.JS, sealtest.Keyring(t, n.JS))
	if _, err := s.Authenticate("gammal@example.org", "ett långt lösenord"); err != nil {
		t.Errorf("sign in to an account stored in clear: %v", err)
	}
	if _, err := s.Session(ctx, cookie); err != nil {
		t.Errorf("a session made before the upgrade: %v", err)
	}
	raw := rawAccount(t, n.JS, u.GetId())
	for _, v := range []string{"gammal@example.org", "Gammal Samordnare"} {
		if bytes.Contains(raw, []byte(v)) {
			t.Errorf("the account holds %q in clear after the upgrade", v)
		}
	}
	if err := s.DeleteUser(ctx, u.GetId()); err != nil {
		t.Fatalf("delete an upgraded account: %v", err)
	}
	if _, err := s.Authenticate("gammal@example.org", "ett långt lösenord"); err != ErrBadCredentials {
		t.Errorf("sign in after the erasure: %v", err)
	}
}

func rawAccount(t *testing.T, js jetstream.JetStream, id string) []byte {
	t.Helper()
	kv, err := js.KeyValue(context.Background(), AccountsBucket)
	if err != nil {
		t.Fatal(err)
	}
	e, err := kv.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Value()
}
