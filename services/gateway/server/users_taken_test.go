package server_test

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUsersFormNamesATakenAddressBesideItsField: the users form with
// another user's address and a second mistake named the second mistake
// only; sent again, the address alone came back in the summary at the top
// with no link to the field and nothing beside it, while the README says
// a form with several mistakes is refused once, naming every field
// (found from outside, ADR 0223). Now the taken address is beside the
// e-mail field, with the other mistakes in one answer; the API keeps
// AlreadyExists for a create whose only fault is the address.
func TestUsersFormNamesATakenAddressBesideItsField(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.swedish()
	const taken = "det finns redan en användare med den e-postadressen"
	beside := regexp.MustCompile(`id="e-email">` + taken)
	inSummary := regexp.MustCompile(`<a href="#f-email">[^<]*</a>: ` + taken)
	b.get("/admin/users")
	form := url.Values{"display_name": {"Ny Admin"}, "email": {"ADMIN@example.org "}, "password": {password}, "role": {"nosuchrole"}}
	code, page := b.post("/admin/users", form)
	if code != http.StatusUnprocessableEntity || !beside.MatchString(page) || !inSummary.MatchString(page) || !regexp.MustCompile(`id="e-role"`).MatchString(page) {
		t.Errorf("the admin's address and a bad role: %d, want 422 naming both, the address beside its field: %s", code, trim(page))
	}
	form.Set("role", "admin")
	code, page = b.post("/admin/users", form)
	if code == http.StatusSeeOther || !beside.MatchString(page) || !inSummary.MatchString(page) {
		t.Errorf("the admin's address alone: %d, want it beside the e-mail field and linked from the summary: %s", code, trim(page))
	}
	// The API: the address alone is AlreadyExists, as before.
	_, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{
		User: &gatewayv1.User{Email: adminEmail, DisplayName: "Ny Admin", Role: gatewayv1.Role_ROLE_ADMIN}, Password: password}))
	var ce *connect.Error
	if !errors.As(err, &ce) || ce.Code() != connect.CodeAlreadyExists {
		t.Errorf("API create with a taken address: %v, want AlreadyExists", err)
	}
}
