package account

import (
	"sync"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestCreateUserOnceForOneEmail: users created with one e-mail at the
// same time (a form sent twice, two admins, the demo seed beside the web
// app) make one account; the others are told it exists. Each create
// checked the index for the e-mail and then wrote its own account, so
// both checks passed and two accounts shared the address: a sign-in took
// whichever the index listed first, with the other one's password.
func TestCreateUserOnceForOneEmail(t *testing.T) {
	t.Parallel()
	s := open(t)
	ctx := testutil.Context(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.CreateUser(ctx, &gatewayv1.User{Email: "anna@example.se", DisplayName: "Anna",
				Role: gatewayv1.Role_ROLE_OPERATOR}, "ett långt lösenord")
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch apperr.ErrorCode(err) {
		case "":
			created++
		case apperr.AlreadyExists:
		default:
			t.Fatalf("create: %v", err)
		}
	}
	if err := s.accounts.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := s.accounts.Find(store.Query[*storev1.Account]{Index: "email", Values: []string{"anna@example.se"}})
	if err != nil {
		t.Fatal(err)
	}
	if created != 1 || page.Total != 1 {
		t.Fatalf("%d creates succeeded and %d accounts have the e-mail, want 1 and 1", created, page.Total)
	}
}
