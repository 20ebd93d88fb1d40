package server_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// at is b, signed in as it is, sending its requests to another gateway
// replica at base: a load balancer's choice between two posts. The
// cookie jar is shared (cookies do not name a port), as a browser's is.
func (b *browser) at(base string) *browser {
	e := *b.e
	e.base = base
	return &browser{t: b.t, e: &e, c: b.c, csrf: b.csrf}
}

// TestRemovalSentTwiceAnswersAsTheFirstOnEveryReplica: ADR 0245 answered
// a removal or erasure sent twice as the first, from the process's
// memory, so a second post that a load balancer sent to the other
// gateway replica met the 404 page, "Sidan eller posten hittades inte",
// after an erasure the same user had just done. The memory is now the
// gateway's bucket (ADR 0255): the first post to replica A, the second to
// replica B, and B answers the 303 and the first's message. Another
// coordinator's post on the same id, and an id no one removed, still
// meet the 404 page on B.
func TestRemovalSentTwiceAnswersAsTheFirstOnEveryReplica(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	baseB := e.replica(filepath.Join(t.TempDir(), "setup-link-b"))
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Två repliker", "0880")
	coord := e.coordinator(admin, "repa@example.org", org, "0880")
	e.coordinator(admin, "repb@example.org", org, "0880")
	a := e.swedishBrowser("repa@example.org")
	b := a.at(baseB)
	otherB := e.swedishBrowser("repb@example.org").at(baseB)
	form := func(erase bool) url.Values {
		if erase {
			return url.Values{"confirm": {"yes"}}
		}
		return url.Values{}
	}
	for _, tc := range []struct {
		name, path  string
		erase       bool
		want, flash string
	}{
		{"erase a newcomer", "/participants/" + newcomer(t, coord, org, "0880", "Replikas") + "/erase", true, "/participants?done=erased#flash", "Raderad."},
		{"remove a newcomer", "/participants/" + newcomer(t, coord, org, "0880", "Replikar") + "/delete", false, "/participants?done=removed#flash", "Borttagen."},
		{"erase a volunteer", "/volunteers/" + mentor(t, coord, org, "0880", "Replikav") + "/erase", true, "/volunteers?done=erased#flash", "Raderad."},
		{"remove a volunteer", "/volunteers/" + mentor(t, coord, org, "0880", "Replikaw") + "/delete", false, "/volunteers?done=removed#flash", "Borttagen."},
	} {
		if code, loc := a.post(tc.path, form(tc.erase)); code != http.StatusSeeOther || unsealed(loc) != tc.want {
			t.Fatalf("%s, first post to replica A: %d %q, want 303 to %s", tc.name, code, trim(loc), tc.want)
		}
		code, loc := b.post(tc.path, form(tc.erase))
		if code != http.StatusSeeOther || unsealed(loc) != tc.want {
			t.Errorf("%s, second post to replica B: %d %s, want 303 to %s", tc.name, code, trim(visibleText(mainOf(loc))), tc.want)
		} else if _, page := b.get(strings.TrimSuffix(loc, "#flash")); !strings.Contains(visibleText(mainOf(page)), tc.flash) {
			t.Errorf("%s, replica B's page after the second post: %s, want the message %q", tc.name, trim(visibleText(mainOf(page))), tc.flash)
		}
		otherB.get("/participants")
		if code, page := otherB.post(tc.path, form(tc.erase)); code != http.StatusNotFound || !strings.Contains(visibleText(mainOf(page)), "hittades inte") {
			t.Errorf("%s, by another coordinator on replica B: %d %s, want the 404 page", tc.name, code, trim(visibleText(mainOf(page))))
		}
	}
	if code, page := b.post("/participants/0190f2f4-0000-7000-8000-000000000001/erase", form(true)); code != http.StatusNotFound {
		t.Errorf("an id no one removed, on replica B: %d %s, want the 404 page", code, trim(visibleText(mainOf(page))))
	}

	e.coordinator(admin, "repgone@example.org", org, "0880")
	users, err := admin.users.ListUsers(ctx, connect.NewRequest(&gatewayv1.ListUsersRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	var gone string
	for _, u := range users.Msg.GetUsers() {
		if u.GetEmail() == "repgone@example.org" {
			gone = u.GetId()
		}
	}
	if gone == "" {
		t.Fatal("no user repgone@example.org")
	}
	aa := e.swedishBrowserAs(adminEmail, adminPass)
	aa.get("/admin/users")
	if code, loc := aa.post("/admin/users/"+gone+"/erase", form(true)); code != http.StatusSeeOther {
		t.Fatalf("erase a user on replica A: %d %q", code, trim(loc))
	}
	ab := aa.at(baseB)
	if code, loc := ab.post("/admin/users/"+gone+"/erase", form(true)); code != http.StatusSeeOther || unsealed(loc) != "/admin/users?done=erased#flash" {
		t.Errorf("erase a user, second post to replica B: %d %s, want 303 to /admin/users?done=erased#flash", code, trim(visibleText(mainOf(loc))))
	} else if _, page := ab.get(strings.TrimSuffix(loc, "#flash")); !strings.Contains(visibleText(mainOf(page)), "Användaren är raderad.") {
		t.Errorf("replica B's users page after the second erasure: %s", trim(visibleText(mainOf(page))))
	}
}
