package server_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestExpiredSessionSaysSo: a coordinator whose session ends while a
// form is open, then sends it, lands on the sign-in page told that what
// they sent was not saved; one who opens a page with a session the
// gateway no longer knows is told it has expired; a visitor who never
// signed in gets the plain page. Both said nothing (outside round s32,
// ADR 0178): the typed newcomer was gone without a word. Nothing is
// stored, and the address holds nothing that was typed.
func TestExpiredSessionSaysSo(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	e := start(t, envOptions{clock: clk})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	coord := e.coordinator(admin, "utgangen@example.org", org, "0180")
	b := e.browser()
	b.signIn("utgangen@example.org", password)
	if code, _ := b.get("/participants/new"); code != http.StatusOK {
		t.Fatalf("the form: %d", code)
	}
	clk.Advance(9 * time.Hour) // past a session's 8 hours
	code, loc := b.post("/participants", url.Values{"given_name": {"Utgången"}, "family_name": {"Formsson"}, "municipality_code": {"0180"}})
	if code != http.StatusSeeOther || loc != "/signin?expired=form" {
		t.Fatalf("the form sent after the session ended: %d %s, want a redirect to /signin?expired=form", code, trim(loc))
	}
	_, body := b.get(loc)
	mustContain(t, body, `<p class="flash" role="status">Din inloggning hade gått ut, så det du skickade sparades inte.`)
	if code, loc := b.get("/participants"); code != http.StatusSeeOther {
		t.Errorf("a page with the expired session: %d %s", code, loc)
	}
	res, err := b.c.Get(e.base + "/participants")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Location"); got != "/signin?expired=1" {
		t.Errorf("a page with the expired session goes to %q, want /signin?expired=1", got)
	}
	_, body = b.get("/signin?expired=1")
	mustContain(t, body, "Din inloggning har gått ut. Logga in igen.")
	anon := e.browser()
	res, err = anon.c.Get(e.base + "/participants")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Location"); got != "/signin" {
		t.Errorf("a visitor never signed in goes to %q, want /signin", got)
	}
	ps, err := coord.registry.ListParticipants(testutil.Context(t), connect.NewRequest(&gatewayv1.ListParticipantsRequest{PageSize: 10}))
	if err != nil || len(ps.Msg.GetParticipants()) != 0 {
		t.Errorf("newcomers after the expired form: %v %v, want none", ps.Msg.GetParticipants(), err)
	}
}
