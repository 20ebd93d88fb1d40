package account

import (
	"errors"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestDeleteUserEndsASessionMadeOnAnotherReplica: the user signs in on
// one gateway replica while an admin erases them on another, whose
// indexes see the other's writes late. The session made there after the
// account was removed must go with the erasure: DeleteUser's last search
// of the sessions waits for this replica's index to hold every write made
// before it (ADR 0206). With the poll it replaced (the account's own
// removal, applied at once by its writer, ended the wait) the session was
// left in the bucket.
func TestDeleteUserEndsASessionMadeOnAnotherReplica(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	kek := sealtest.KEK(t)
	near := openSealed(t, n.JS, sealtest.Keyring(t, n.JS, kek))
	_, lateJS := n.ConnectLate(t, 400*time.Millisecond)
	late := openSealed(t, lateJS, sealtest.Keyring(t, lateJS, kek))
	ctx := testutil.Context(t)
	mustCreate(t, near, "admin@example.org", "Admin", gatewayv1.Role_ROLE_ADMIN)
	c := mustCreate(t, near, "åsa@example.org", "Åsa Lind", gatewayv1.Role_ROLE_COORDINATOR)
	a, err := near.Authenticate("åsa@example.org", "ett långt lösenord")
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if _, ok := late.accounts.Lookup(c.GetId()); !ok {
			return errors.New("the late replica has not seen the account yet")
		}
		return nil
	})
	var cookie string
	late.removed = func() {
		// Signed in on the near replica a moment after the account went.
		if cookie, _, err = near.CreateSession(ctx, a); err != nil {
			t.Error(err)
		}
	}
	if err := late.DeleteUser(ctx, c.GetId()); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if cookie == "" {
		t.Fatal("no session was made")
	}
	if _, _, err := near.sessions.Get(ctx, hashSecret(cookie)); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("the session made on the other replica during the erasure: %v, want it gone (NotFound)", err)
	}
	if _, err := near.Session(ctx, cookie); apperr.ErrorCode(err) != apperr.Unauthenticated {
		t.Errorf("the session: %v, want Unauthenticated", err)
	}
}
