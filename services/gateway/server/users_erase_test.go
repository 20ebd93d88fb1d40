package server_test

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestEraseUser: who may erase a user (admins, never themselves, a bad id
// named as a field), the web users page's confirmation step in Swedish,
// the audit page saying "raderad användare" beside the erased user's id,
// and mp users delete asking first (ADR 0201).
func TestEraseUser(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	karin := e.coordinator(admin, "karin@example.org", org, "0880")
	me, err := admin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	adminID := me.Msg.GetUser().GetId()
	kme, err := karin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	karinID := kme.Msg.GetUser().GetId()
	if _, err := karin.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{})); err != nil {
		t.Fatal(err) // an audit entry with her id
	}

	del := func(c *apiClient, id string) error {
		_, err := c.users.DeleteUser(ctx, connect.NewRequest(&gatewayv1.DeleteUserRequest{Id: id}))
		return err
	}
	for _, tc := range []struct {
		name string
		c    *apiClient
		id   string
		want connect.Code
	}{
		{"a coordinator erases the admin", karin, adminID, connect.CodePermissionDenied},
		{"a coordinator erases herself", karin, "me", connect.CodePermissionDenied},
		{"the admin erases themselves", admin, "me", connect.CodeFailedPrecondition},
		{"the admin erases their own id", admin, adminID, connect.CodeFailedPrecondition},
		{"an id nobody has", admin, "0190f2f4-0000-7000-8000-000000000000", connect.CodeNotFound},
		{"no id", admin, "", connect.CodeInvalidArgument},
		{"a name for an id", admin, "Karin Berg", connect.CodeInvalidArgument},
	} {
		err := del(tc.c, tc.id)
		if connect.CodeOf(err) != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
		if tc.want == connect.CodeInvalidArgument && !violates(err, "id") {
			t.Errorf("%s: %v does not name the field id", tc.name, err)
		}
	}

	b := e.browser()
	b.signIn(adminEmail, adminPass)
	_, page := b.get("/admin/users")
	mustContain(t, page, `href="/admin/users/`+karinID+`/erase"`, "Radera…")
	if strings.Contains(page, `/admin/users/`+adminID+`/erase"`) {
		t.Error("the users page offers the admin to erase themselves")
	}
	if code, page := b.get("/admin/users/" + adminID + "/erase"); code != http.StatusOK || strings.Contains(page, `action="/admin/users/`+adminID+`/erase"`) {
		t.Errorf("the admin's own erase page: %d, offers the button: %v", code, strings.Contains(page, "/erase\""))
	} else {
		mustContain(t, page, "Du kan inte radera dig själv")
	}
	code, page := b.get("/admin/users/" + karinID + "/erase")
	if code != http.StatusOK {
		t.Fatalf("the erase page: %d %s", code, trim(page))
	}
	mustContain(t, page, "Radera användare", "Coordinator karin@example.org", "karin@example.org", "Det går inte att ångra", "raderad användare")
	if code, page := b.post("/admin/users/"+karinID+"/erase", url.Values{}); code != http.StatusUnprocessableEntity {
		t.Errorf("erase without the box ticked: %d %s", code, trim(page))
	} else {
		mustContain(t, page, "Kryssa i rutan")
	}
	if _, err := karin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); err != nil {
		t.Fatalf("the refused erasure erased: %v", err)
	}
	c := e.browser()
	c.signIn("karin@example.org", password)
	if code, _ := c.get("/admin/users/" + adminID + "/erase"); code != http.StatusForbidden {
		t.Errorf("a coordinator opens an erase page: %d, want 403", code)
	}
	if code, _ := c.post("/admin/users/"+adminID+"/erase", url.Values{"confirm": {"yes"}}); code != http.StatusForbidden {
		t.Errorf("a coordinator posts an erasure: %d, want 403", code)
	}
	code, loc := b.post("/admin/users/"+karinID+"/erase", url.Values{"confirm": {"yes"}})
	if code != http.StatusSeeOther || unsealed(loc) != "/admin/users?done=erased#flash" {
		t.Fatalf("erase: %d %s", code, trim(loc))
	}
	_, page = b.get(loc)
	mustContain(t, page, "Användaren är raderad.")
	if strings.Contains(page, "karin@example.org") {
		t.Error("the users page still lists the erased user")
	}
	if _, err := karin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("the erased user's token: %v, want Unauthenticated", err)
	}
	if code, _ := c.get("/participants"); code != http.StatusSeeOther && code != http.StatusOK {
		t.Errorf("the erased user's browser: %d", code)
	} else if code, page := c.get("/participants"); code == http.StatusOK && !strings.Contains(page, `action="/signin"`) {
		t.Error("the erased user's browser session still shows a page")
	}
	_, page = b.get("/admin/audit?user_id=" + karinID)
	mustContain(t, page, `raderad användare <a href="/admin/audit?user_id=`+karinID+`">`, "<code>"+karinID+"</code>")

	// mp: an admin signed in with mp erases a user, asked first.
	if _, err := admin.users.CreateUser(ctx, connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
		Email: "mpadmin@example.org", DisplayName: "Mp Admin", Role: gatewayv1.Role_ROLE_ADMIN, Locale: "sv"}, Password: password})); err != nil {
		t.Fatal(err)
	}
	olle := e.coordinator(admin, "olle@example.org", org, "0880")
	ome, err := olle.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	olleID := ome.Msg.GetUser().GetId()
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "mpadmin@example.org")
	mustContain(t, mp(t, dir, "users", "list"), olleID+"\tCoordinator olle@example.org\tolle@example.org\tsamordnare")
	if out, err := mpRun(t, dir, "users", "delete", olleID); err == nil || !strings.Contains(err.Error(), "inte raderad") {
		t.Errorf("mp users delete without a yes: %v %s", err, out)
	}
	if _, err := mpRun(t, dir, "users", "delete", "-yes", "0190f2f4-0000-7000-8000-000000000000"); err == nil || !strings.Contains(err.Error(), "användaren finns inte") {
		t.Errorf("mp users delete of an id nobody has: %v", err)
	}
	mustContain(t, mp(t, dir, "users", "delete", "-yes", olleID), "användaren "+olleID+" är raderad")
	if out := mp(t, dir, "users", "list"); strings.Contains(out, "olle@example.org") {
		t.Errorf("mp users list after the erasure: %s", out)
	}
}

// violates reports whether err carries a field violation of field.
func violates(err error, field string) bool {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return false
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if br, ok := v.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				if fv.GetField() == field {
					return true
				}
			}
		}
	}
	return false
}
