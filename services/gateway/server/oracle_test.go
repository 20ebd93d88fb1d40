package server_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

// unknownID is well formed and names nothing.
const unknownID = "01a20989-0000-7000-8000-0000000000ff"

// TestExistenceOracles: every API method that names a record answers a
// coordinator exactly the same (code and message) for a record that exists
// outside their scope, another user's API token included, as for an id
// that names nothing; and DeleteApiToken the same for a malformed id.
func TestExistenceOracles(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	orgA := e.createOrg("A-förening", "0880")
	orgB := e.createOrg("B-förening", "0880")
	coordA := e.coordinator(admin, "a@example.org", orgA, "0880")
	tok, err := e.api("").tokens.CreateApiToken(ctx, connect.NewRequest(&gatewayv1.CreateApiTokenRequest{Email: adminEmail, Password: adminPass}))
	if err != nil {
		t.Fatal(err)
	}
	me, err := admin.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	foreignIDs := []string{newcomer(t, admin, orgB, "0880", "Bertil"), mentor(t, admin, orgB, "0880", "Birger"),
		tok.Msg.GetId(), me.Msg.GetUser().GetId()}

	answer := func(sd protoreflect.ServiceDescriptor, md protoreflect.MethodDescriptor, id string) string {
		req := validFill(md.Input().Fields())
		if md.Input().Fields().ByName("id") != nil {
			req["id"] = id
		} else {
			for k := range md.Input().Fields().Len() {
				f := md.Input().Fields().Get(k)
				if f.Kind() == protoreflect.MessageKind && !f.IsList() && f.Message().Fields().ByName("id") != nil {
					req[f.JSONName()] = map[string]any{"id": id, "givenName": "X", "municipalityCode": "0880", "displayName": "X"}
				}
			}
		}
		code, body := connectCall(t, e, coordA.token, sd, md, req)
		var ce struct{ Message string }
		_ = json.Unmarshal([]byte(body), &ce)
		return code + ": " + strings.ReplaceAll(ce.Message, id, "<id>")
	}
	n := 0
	for _, m := range gatewayMethods() {
		sd, md := m.sd, m.md
		name := string(md.Name())
		if md.Input().Fields().ByName("id") == nil && !strings.HasPrefix(name, "Update") {
			continue
		}
		n++
		want := answer(sd, md, unknownID)
		for _, id := range foreignIDs {
			if got := answer(sd, md, id); got != want {
				t.Errorf("%s/%s: a foreign id answers %q, an unknown one %q", sd.Name(), name, got, want)
			}
		}
	}
	if n < 15 {
		t.Fatalf("tried only %d methods", n)
	}
	// The web app: every page of a record answers a foreign id with the
	// same status and page as an unknown one.
	b := e.browser()
	b.signIn("a@example.org", password)
	pages := 0
	for _, rt := range (&web.Web{}).Routes() {
		if rt.Method != http.MethodGet || !strings.Contains(rt.Pattern, "{id}") {
			continue
		}
		pages++
		page := func(id string) string {
			code, body := b.get(strings.ReplaceAll(rt.Pattern, "{id}", id))
			return strconv.Itoa(code) + csrfRe.ReplaceAllString(strings.ReplaceAll(body, id, "<id>"), "")
		}
		want := page(unknownID)
		for _, id := range foreignIDs {
			if got := page(id); got != want {
				t.Errorf("GET %s: a foreign id answers\n%s\nan unknown one\n%s", rt.Pattern, trim(got), trim(want))
			}
		}
	}
	if pages < 4 {
		t.Fatalf("compared only %d record pages", pages)
	}
	// DeleteApiToken: the caller's own tokens aside, everything is one
	// answer; and the admin's token still works afterwards.
	for _, id := range []string{"not-an-id", "../x", strings.Repeat("a", 300)} {
		_, err := coordA.tokens.DeleteApiToken(ctx, connect.NewRequest(&gatewayv1.DeleteApiTokenRequest{Id: id}))
		_, err2 := coordA.tokens.DeleteApiToken(ctx, connect.NewRequest(&gatewayv1.DeleteApiTokenRequest{Id: unknownID}))
		if connect.CodeOf(err) != connect.CodeNotFound || err.Error() != err2.Error() {
			t.Errorf("DeleteApiToken(%q): %v; unknown: %v", id, err, err2)
		}
	}
	if _, err := coordA.tokens.DeleteApiToken(ctx, connect.NewRequest(&gatewayv1.DeleteApiTokenRequest{})); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("DeleteApiToken without an id: %v, want InvalidArgument", err)
	}
	if _, err := e.api(tok.Msg.GetToken()).users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"})); err != nil {
		t.Fatalf("the admin's token after the coordinator's attempts: %v", err)
	}
}
