package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestChangeUserEmail (ADR 0207): an admin corrects a coordinator's
// e-mail over the API, on the users page and with mp. The new address
// signs in, the old one no more; a coordinator may not change one (not
// even their own); a taken address is refused in the create's words, in
// Swedish on the page and in mp; each change is in the audit log, whose
// address is the caller's network (/24), not the host.
func TestChangeUserEmail(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{trustedProxies: 1})
	ctx := testutil.Context(t)
	before := time.Now().Add(-time.Minute)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	karin := e.coordinator(admin, "karni@example.org", org, "0880")
	e.coordinator(admin, "olle@example.org", org, "0880")
	kme, err := karin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	karinID := kme.Msg.GetUser().GetId()
	change := func(c *apiClient, id, email string) (*gatewayv1.User, error) {
		res, err := c.users.UpdateUser(ctx, connect.NewRequest(&gatewayv1.UpdateUserRequest{
			User: &gatewayv1.User{Id: id, Email: email}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"email"}}}))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetUser(), nil
	}

	// The API, from an address behind the trusted proxy.
	body := `{"user":{"id":"` + karinID + `","email":"karin@example.org"},"updateMask":"email"}`
	if code, out, _ := rawCall(t, e, "/motesplats.gateway.v1.UserService/UpdateUser", []byte(body), map[string]string{
		"Authorization": "Bearer " + admin.token, "X-Forwarded-For": "203.0.113.57"}); code != http.StatusOK {
		t.Fatalf("UpdateUser e-mail: %d %s", code, trim(out))
	}
	if _, err := e.api("").tokens.CreateApiToken(ctx, connect.NewRequest(&gatewayv1.CreateApiTokenRequest{Email: "karni@example.org", Password: password, Name: "t"})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("sign in with the old e-mail: %v, want Unauthenticated", err)
	}
	e.login("karin@example.org", password)
	if _, err := karin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); err != nil {
		t.Errorf("the user's token after the change: %v", err)
	}
	if _, err := change(karin, "me", "karin2@example.org"); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("a coordinator changes her own e-mail: %v, want PermissionDenied", err)
	}
	_, created := admin.users.CreateUser(ctx, connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
		Email: "olle@example.org", DisplayName: "X", Role: gatewayv1.Role_ROLE_OPERATOR}, Password: password}))
	_, changed := change(admin, karinID, "olle@example.org")
	if connect.CodeOf(changed) != connect.CodeAlreadyExists || changed.Error() != created.Error() {
		t.Errorf("change to a taken e-mail: %v; want AlreadyExists as a create answers (%v)", changed, created)
	}
	if _, err := change(admin, karinID, "karin at example.org"); !violates(err, "user.email") {
		t.Errorf("a malformed e-mail: %v, want a violation of user.email", err)
	}

	// The users page.
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	_, page := b.get("/admin/users")
	mustContain(t, page, `href="/admin/users/`+karinID+`/email"`, "Ändra e-post…")
	code, page := b.get("/admin/users/" + karinID + "/email")
	if code != http.StatusOK {
		t.Fatalf("the e-mail page: %d %s", code, trim(page))
	}
	mustContain(t, page, "Ändra e-postadress", `value="karin@example.org"`, "den gamla fungerar inte längre")
	if code, page := b.post("/admin/users/"+karinID+"/email", url.Values{"email": {"olle@example.org"}}); code != http.StatusConflict {
		t.Errorf("the page with a taken e-mail: %d %s", code, trim(page))
	} else {
		mustContain(t, page, "det finns redan en användare med den e-postadressen", `value="olle@example.org"`)
	}
	if code, page := b.post("/admin/users/"+karinID+"/email", url.Values{"email": {"karin@"}}); code != http.StatusUnprocessableEntity {
		t.Errorf("the page with a malformed e-mail: %d %s", code, trim(page))
	}
	if code, loc := b.post("/admin/users/"+karinID+"/email", url.Values{"email": {"karin.berg@example.org"}}); code != http.StatusSeeOther || unsealed(loc) != "/admin/users?done=email#flash" {
		t.Fatalf("the page's change: %d %s", code, trim(loc))
	}
	e.login("karin.berg@example.org", password)
	c := e.browser()
	c.signIn("olle@example.org", password)
	if code, _ := c.get("/admin/users/" + karinID + "/email"); code != http.StatusForbidden {
		t.Errorf("a coordinator opens the e-mail page: %d, want 403", code)
	}
	if code, _ := c.post("/admin/users/"+karinID+"/email", url.Values{"email": {"x@example.org"}}); code != http.StatusForbidden {
		t.Errorf("a coordinator posts the e-mail page: %d, want 403", code)
	}

	// mp.
	if _, err := admin.users.CreateUser(ctx, connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
		Email: "mpadmin@example.org", DisplayName: "Mp Admin", Role: gatewayv1.Role_ROLE_ADMIN, Locale: "sv"}, Password: password})); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "mpadmin@example.org")
	if _, err := mpRun(t, dir, "users", "email", karinID); err == nil || !strings.Contains(err.Error(), "användning: mp users email ID E-POST") {
		t.Errorf("mp users email without an address: %v", err)
	}
	if _, err := mpRun(t, dir, "users", "email", karinID, "olle@example.org"); err == nil || !strings.Contains(err.Error(), "det finns redan en användare med den e-postadressen") {
		t.Errorf("mp users email to a taken address: %v", err)
	}
	mustContain(t, mp(t, dir, "users", "email", karinID, "karin@example.org"), "användaren "+karinID+" loggar nu in med karin@example.org")
	mustContain(t, mp(t, dir, "users", "list"), karinID+"\tCoordinator karni@example.org\tkarin@example.org")
	e.login("karin@example.org", password)

	// The audit log: the changes as user updates; the API's from the
	// caller's network.
	res, err := admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{ResourceId: karinID, StartTime: timestamppb.New(before)}))
	if err != nil {
		t.Fatal(err)
	}
	var updates, fromProxy int
	for _, en := range res.Msg.GetEntries() {
		if en.GetAction() != "update" || en.GetResourceType() != "user" {
			continue
		}
		updates++
		if strings.Contains(en.GetRemoteAddr(), "203.0.113.57") {
			t.Errorf("the audit entry keeps the host: %s", en.GetRemoteAddr())
		}
		if en.GetRemoteAddr() == "203.0.113.0/24" {
			fromProxy++
		}
	}
	if updates < 3 || fromProxy != 1 {
		t.Errorf("audit: %d user updates (want 3 or more), %d from 203.0.113.0/24 (want 1): %v", updates, fromProxy, res.Msg.GetEntries())
	}
}
