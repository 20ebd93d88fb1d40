package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUsersFormRefusesEverythingAtOnce: the Users page's create form
// refused in rounds, a municipality name no municipality has first, then
// the organisation's municipalities, then the e-mail, name, password
// (ADR 0205's Left). One send now names every field to correct, in
// Swedish, and stores nothing; the API's CreateUser too (ADR 0211).
func TestUsersFormRefusesEverythingAtOnce(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening Runda", "0880")
	b := e.swedishBrowserAs(adminEmail, adminPass)
	b.get("/admin/users")
	for _, c := range []struct {
		name, munis string
		want        []string
	}{
		{"an unknown name", "Kalmarr, Uppsala", []string{`ingen kommun heter ”Kalmarr”`, "Uppsala är inte en av organisationens kommuner (Kalmar)",
			"är ingen e-postadress", "måste vara 12 till 128 tecken"}},
		{"names all known", "Kalmar, Uppsala", []string{"Uppsala är inte en av organisationens kommuner (Kalmar)",
			"är ingen e-postadress", "måste vara 12 till 128 tecken"}},
		{"only an unknown name", "Kalmarr", []string{`ingen kommun heter ”Kalmarr”`, "är ingen e-postadress", "måste vara 12 till 128 tecken"}},
	} {
		form := url.Values{"display_name": {"Runa"}, "email": {"runa(at)example.org"}, "password": {"kort"},
			"role": {"coordinator"}, "organisation_id": {org}, "municipality_codes": {c.munis}}
		code, body := b.post("/admin/users", form)
		text := visibleText(body)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422:\n%s", c.name, code, trim(text))
		}
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the answer lacks %q (every field at once):\n%s", c.name, w, trim(text))
			}
		}
		if c.name == "only an unknown name" && strings.Contains(text, "minst en kommun") {
			t.Errorf("%s: says a coordinator needs a municipality beside the name typed:\n%s", c.name, trim(text))
		}
	}
	ctx := testutil.Context(t)
	_, err := admin.users.CreateUser(ctx, connect.NewRequest(&gatewayv1.CreateUserRequest{Password: "kort", User: &gatewayv1.User{
		Email: "runa(at)example.org", DisplayName: "Runa", Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: org, MunicipalityCodes: []string{"0380"}}}))
	fields := map[string]bool{}
	for _, d := range violations(err) {
		fields[d] = true
	}
	for _, f := range []string{"user.municipality_codes[0]", "user.email", "password"} {
		if !fields[f] {
			t.Errorf("API CreateUser: %v, want a violation of %s among %v", err, f, fields)
		}
	}
	users, err := admin.users.ListUsers(ctx, connect.NewRequest(&gatewayv1.ListUsersRequest{PageSize: 50}))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users.Msg.GetUsers() {
		if u.GetDisplayName() == "Runa" {
			t.Errorf("a refused user was stored: %v", u)
		}
	}
}
