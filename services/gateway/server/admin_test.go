package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAdminSafeguards: a coordinator's organisation must exist and work in
// the coordinator's municipalities, and the last admin stays an admin.
func TestAdminSafeguards(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	create := func(org string, munis ...string) error {
		_, err := admin.users.CreateUser(ctx, connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
			Email: "new@example.org", DisplayName: "New", Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: org,
			MunicipalityCodes: munis}, Password: password}))
		return err
	}
	if err := create("nonexistent", "0880"); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("coordinator of an unknown organisation: %v", err)
	}
	if err := create(org, "0180"); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("coordinator in a municipality the organisation does not work in: %v", err)
	}
	if err := create(org, "0880"); err != nil {
		t.Fatalf("valid coordinator: %v", err)
	}
	me, err := admin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.users.UpdateUser(ctx, connect.NewRequest(&gatewayv1.UpdateUserRequest{User: &gatewayv1.User{Id: me.Msg.GetUser().GetId(), Disabled: true},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Errorf("the last admin disabled themselves: %v", err)
	}
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	if code, _ := b.post("/admin/users/"+me.Msg.GetUser().GetId()+"/disable", url.Values{}); code != http.StatusConflict {
		t.Errorf("disable the last admin in the web app: %d, want 409", code)
	}
	if _, err := admin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); err != nil {
		t.Fatalf("the admin lost access: %v", err)
	}

	// A coordinator who unticks every municipality starts no job.
	c := e.browser()
	c.signIn("new@example.org", password)
	c.get("/matching")
	if code, page := c.post("/matching/jobs", url.Values{"request_id": {"job-none"}}); code != http.StatusUnprocessableEntity {
		t.Fatalf("job with no municipality: %d %s", code, trim(page))
	}
}

// TestAdminPagesInWords: the users page names each user's role,
// organisation and municipalities in the page's language (never
// ROLE_COORDINATOR, an organisation id or a bare municipality code), a
// new coordinator is added and a matching job started by picking the
// organisation by name, and the audit log names roles, actions, record
// types and outcomes in words, with a record's id apart from a count.
func TestAdminPagesInWords(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	e.coordinator(admin, "karin@example.org", org, "0880")
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.swedish()
	_, page := b.get("/admin/users")
	mustContain(t, page, "<td>samordnare</td>", "<td>Röda Korset Kalmar: Kalmar</td>", "<td>administratör</td>",
		`<option value="`+org+`">Röda Korset Kalmar</option>`, `<option value="coordinator">samordnare</option>`)
	for _, code := range []string{org + " ", ">coordinator<", "0880 "} {
		if strings.Contains(visibleText(page), code) || strings.Contains(page, code) {
			t.Errorf("users page shows %q", code)
		}
	}
	// The municipalities are typed by name; a name no municipality has is
	// refused in Swedish, naming it, and nothing is created.
	mustContain(t, page, `<label for="f-municipality_codes">Kommuner</label>`, "till exempel Stockholm, Uppsala")
	form := url.Values{"display_name": {"Sara"}, "email": {"sara@example.org"}, "password": {password},
		"role": {"coordinator"}, "organisation_id": {org}, "municipality_codes": {"Kalmarr"}}
	if code, body := b.post("/admin/users", form); code != http.StatusUnprocessableEntity ||
		!strings.Contains(visibleText(body), `ingen kommun heter ”Kalmarr”`) || !strings.Contains(body, `value="Kalmarr"`) {
		t.Fatalf("a user in a municipality no one has heard of: %d %s", code, trim(visibleText(body)))
	}
	if _, page := b.get("/admin/users"); strings.Contains(page, "sara@example.org") {
		t.Fatal("the refused user was created")
	}
	form.Set("municipality_codes", " kalmar KOMMUN ")
	if code, body := b.post("/admin/users", form); code != http.StatusSeeOther {
		t.Fatalf("add a coordinator: %d %s", code, trim(visibleText(body)))
	}
	_, page = b.get("/admin/users")
	mustContain(t, page, "sara@example.org")
	users, err := admin.users.ListUsers(testutil.Context(t), connect.NewRequest(&gatewayv1.ListUsersRequest{PageSize: 50}))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users.Msg.GetUsers() {
		if u.GetEmail() == "sara@example.org" && !slices.Equal(u.GetMunicipalityCodes(), []string{"0880"}) {
			t.Errorf("Sara's municipalities are %q, want the code [0880] of Kalmar", u.GetMunicipalityCodes())
		}
	}

	// An admin starts a matching job for an organisation picked by name.
	_, page = b.get("/matching")
	mustContain(t, page, `<select id="f-organisation_id" name="organisation_id">`, `<option value="`+org+`">Röda Korset Kalmar</option>`)
	if code, body := b.post("/matching/jobs", url.Values{"request_id": {"admin-job-0"}, "organisation_id": {org}, "municipality_codes": {"Kalmar, Atlantis"}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(visibleText(body), `ingen kommun heter ”Atlantis”`) {
		t.Errorf("a job in Atlantis: %d %s", code, trim(visibleText(body)))
	}
	if code, body := b.post("/matching/jobs", url.Values{"request_id": {"admin-job-1"}, "organisation_id": {org}, "municipality_codes": {"Kalmar"}}); code != http.StatusSeeOther {
		t.Fatalf("start a job as admin: %d %s", code, trim(visibleText(body)))
	}

	b.get("/participants")
	_, page = b.get("/admin/audit")
	if strings.Contains(page, "ROLE_") {
		t.Errorf("the audit log shows a role's enum name:\n%s", trim(visibleText(page)))
	}
	mustContain(t, page, "administratör", "listade nyanländ (webb)", "startade matchning (webb)")
	// Each row says who by name, the id the search takes beside it (the
	// s23 outside round read rows of ids alone: ADR 0122), the id a link
	// to that search (ADR 0261).
	mustContain(t, page, `<td>Admin <a href="/admin/audit?user_id=`)
	if strings.Contains(visibleText(page), "list participant") {
		t.Errorf("the Swedish audit log shows action codes:\n%s", trim(visibleText(page)))
	}
	if regexp.MustCompile(`</code>\d`).MatchString(page) {
		t.Errorf("a record id runs into a count:\n%s", trim(visibleText(page)))
	}
}
