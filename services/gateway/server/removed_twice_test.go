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

// TestRemovalSentTwiceAnswersAsTheFirst: an erasure sent twice from its
// plain form (a double click, a browser's resend) erased the person and
// answered the second post with the 404 page, "Sidan eller posten
// hittades inte", so the coordinator who asked to erase someone read that
// there was no such person (outside round s44, ADR 0245). The second post
// of a removal or an erasure of a newcomer, a volunteer or a user now
// answers as the first did, to the one who sent it; another coordinator's
// post on the same id still meets the 404 page, and so does an id no one
// removed.
func TestRemovalSentTwiceAnswersAsTheFirst(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Två gånger", "0880")
	coord := e.coordinator(admin, "tvagg@example.org", org, "0880")
	e.coordinator(admin, "annan@example.org", org, "0880")
	b := e.swedishBrowser("tvagg@example.org")
	other := e.swedishBrowser("annan@example.org")
	// A new form each post: post adds its browser's CSRF token to it.
	yes := func() url.Values { return url.Values{"confirm": {"yes"}} }

	form := func(erase bool) url.Values {
		if erase {
			return yes()
		}
		return url.Values{}
	}
	for _, tc := range []struct {
		name, path string
		erase      bool
		want       string
	}{
		{"erase a newcomer", "/participants/" + newcomer(t, coord, org, "0880", "Tvagangs") + "/erase", true, "/participants?done=erased"},
		{"remove a newcomer", "/participants/" + newcomer(t, coord, org, "0880", "Tvagangr") + "/delete", false, "/participants?done=removed"},
		{"erase a volunteer", "/volunteers/" + mentor(t, coord, org, "0880", "Tvagangv") + "/erase", true, "/volunteers?done=erased"},
		{"remove a volunteer", "/volunteers/" + mentor(t, coord, org, "0880", "Tvagangw") + "/delete", false, "/volunteers?done=removed"},
	} {
		for i := range 2 {
			if code, loc := b.post(tc.path, form(tc.erase)); code != http.StatusSeeOther || loc != tc.want {
				t.Errorf("%s, post %d: %d %q, want 303 to %s", tc.name, i+1, code, trim(loc), tc.want)
			}
		}
		other.get("/participants")
		if code, page := other.post(tc.path, form(tc.erase)); code != http.StatusNotFound || !strings.Contains(visibleText(mainOf(page)), "hittades inte") {
			t.Errorf("%s, by another coordinator: %d %s, want the 404 page", tc.name, code, trim(visibleText(mainOf(page))))
		}
	}
	if code, page := b.post("/participants/0190f2f4-0000-7000-8000-000000000000/erase", yes()); code != http.StatusNotFound {
		t.Errorf("an id no one removed: %d %s, want the 404 page", code, trim(visibleText(mainOf(page))))
	}

	e.coordinator(admin, "raderas@example.org", org, "0880")
	users, err := admin.users.ListUsers(ctx, connect.NewRequest(&gatewayv1.ListUsersRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	var gone string
	for _, u := range users.Msg.GetUsers() {
		if u.GetEmail() == "raderas@example.org" {
			gone = u.GetId()
		}
	}
	if gone == "" {
		t.Fatal("no user raderas@example.org")
	}
	ab := e.swedishBrowserAs(adminEmail, adminPass)
	ab.get("/admin/users")
	for i := range 2 {
		if code, loc := ab.post("/admin/users/"+gone+"/erase", yes()); code != http.StatusSeeOther || loc != "/admin/users?done=erased" {
			t.Errorf("erase a user, post %d: %d %q, want 303 to /admin/users?done=erased", i+1, code, trim(loc))
		}
	}
}
