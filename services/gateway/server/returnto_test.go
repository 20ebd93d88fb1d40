package server_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// hostileReturns are places a link from elsewhere could hand the sign-in
// page: each must land on the overview (ADR 0185).
var hostileReturns = []string{
	"//evil.example", "//evil.example/participants", "///evil.example", "/\\evil.example", "\\\\evil.example",
	"https://evil.example/", "http:/evil.example", "HTTPS://evil.example", "javascript:alert(1)", "data:text/html,x",
	"%2F%2Fevil.example", "/%2F%2Fevil.example", "/%2fevil.example", "/%5Cevil.example", "/participants%2F..%2F..",
	"/participants\r\nLocation: //evil.example", "/participants\nSet-Cookie: mp_session=x", "/participants\x00",
	"/participants\t", "\t/participants", " /participants", "/ /evil.example",
	"/" + strings.Repeat("a", 5000), "/participants/" + strings.Repeat("0", 300),
	"/pårticipants", "/participants/ａｂｃ", "/participants/\u202eevil", "/participants/\u200b",
	"/./participants", "/participants/../admin/users", "/participants/", "/participants//x",
	"/participants#x", "/participants?search=Anna+Svensson", "/participants?job=x&search=Anna",
	"/matching/waiting?job=//evil.example", "/matching/waiting?page_token=djE6eA",
	"/signin", "/signin?next=//evil.example", "/setup", "/reports/export.csv", "/nosuchpage", "participants", "",
}

// TestSignInGoesBackOnlyToOwnPages: the real sign-in handler goes back to
// a page of the app's own, and anything else a hostile link could carry
// lands on the overview; the sign-in page never carries such a value on
// (ADR 0185). Single sign-on goes back too.
func TestSignInGoesBackOnlyToOwnPages(t *testing.T) {
	t.Parallel()
	idp := newProvider(t)
	clk := &clock{}
	e := start(t, envOptions{oidc: idp.config(), clock: clk})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	coord := e.coordinator(admin, "tillbaka@example.org", org, "0180")
	id := newcomer(t, coord, org, "0180", "Amina")
	job := "01a20989-0000-7000-8000-00000000abcd"

	// A page opened signed out: the sign-in page's two forms and the
	// single sign-on link carry the place, and single sign-on goes back.
	// First, while the test's clock is the provider's.
	idp.set(identity{email: "tillbaka@example.org", verified: true})
	s := e.ssoBrowser()
	res, page := s.get("/participants/" + id)
	if res.Request.URL.Path != "/signin" || res.Request.URL.Query().Get("next") != "/participants/"+id {
		t.Fatalf("a person's page signed out went to %s", res.Request.URL)
	}
	link := regexp.MustCompile(`href="(/signin/oidc[^"]*)"`).FindStringSubmatch(page)
	if link == nil || strings.Count(page, `name="next"`) != 2 {
		t.Fatalf("the sign-in page does not carry the place:\n%s", trim(page))
	}
	if res, _ := s.get(html.UnescapeString(link[1])); res.Request.URL.Path != "/participants/"+id || res.StatusCode != http.StatusOK {
		t.Errorf("single sign-on went to %s (%d), want the person's page", res.Request.URL, res.StatusCode)
	}
	for _, v := range []string{"//evil.example", "/\\evil.example", "https://evil.example/"} {
		s := e.ssoBrowser()
		if res, _ := s.get("/signin/oidc?" + url.Values{"next": {v}}.Encode()); res.Request.URL.Host != strings.TrimPrefix(e.base, "http://") || res.Request.URL.Path != "/" {
			t.Errorf("single sign-on with next %q went to %s", v, res.Request.URL)
		}
	}

	goesTo := func(next string) string {
		t.Helper()
		clk.Advance(21 * time.Second) // within the sign-in rate limit
		b := e.browser()
		_, page := b.get("/signin?" + url.Values{"next": {next}}.Encode())
		carried := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(page)
		code, loc := b.post("/signin", url.Values{"email": {"tillbaka@example.org"}, "password": {password}, "next": {next}})
		if code != http.StatusSeeOther {
			t.Fatalf("sign-in with next %q: %d %s", next, code, trim(loc))
		}
		if carried != nil && html.UnescapeString(carried[1]) != loc {
			t.Errorf("next %q: the sign-in page carries %q, the sign-in goes to %q", next, carried[1], loc)
		}
		return loc
	}
	// The language picker on the sign-in page keeps the place, and only
	// a place the gate admits.
	lb := e.browser()
	lb.get("/signin")
	for next, want := range map[string]string{"/participants/" + id: "/signin?next=%2Fparticipants%2F" + id, "//evil.example": "/signin"} {
		if code, loc := lb.post("/settings/locale", url.Values{"locale": {"en"}, "next": {next}}); code != http.StatusSeeOther || loc != want {
			t.Errorf("the language picker with next %q: %d %s, want %s", next, code, trim(loc), want)
		}
	}
	// The notice of an ended session survives the change of language,
	// sealed again for this browser (ADR 0251), and only the sign-in
	// page's reasons travel.
	var sealed string
	for why, want := range map[string]string{"form": "/signin?expired=form&next=%2Fparticipants%2F" + id + "&seal=", "<b>": "/signin?next=%2Fparticipants%2F" + id} {
		code, loc := lb.post("/settings/locale", url.Values{"locale": {"en"}, "next": {"/participants/" + id}, "expired": {why}})
		if why == "form" && strings.HasPrefix(loc, want) && strings.HasSuffix(loc, "#flash") {
			sealed, want = loc, loc
		}
		if code != http.StatusSeeOther || loc != want {
			t.Errorf("the language picker with expired %q: %d %s, want %s", why, code, trim(loc), want)
		}
	}
	if _, page := lb.get(sealed); !strings.Contains(page, "what you sent was not saved") ||
		!strings.Contains(page, `name="expired" value="form"`) {
		t.Errorf("the sign-in page after a change of language lacks the English notice or does not carry it on:\n%s", trim(page))
	}
	for _, v := range hostileReturns {
		if got := goesTo(v); got != "/" {
			t.Errorf("next %q: went to %q, want the overview", v, got)
		}
	}
	for _, v := range []string{"/participants/" + id, "/participants/new", "/participants/" + id + "/remove",
		"/matching/waiting?job=" + job, "/dinners/offers", "/guides/assign"} {
		if got := goesTo(v); got != v {
			t.Errorf("next %q: went to %q", v, got)
		}
	}
}

// testSignInGoesBackBrowser: in Chromium, a session ends on a person's
// page and on a half-filled form; signing in again goes back to the
// person's page, and to the form's page, empty, with nothing saved
// (ADR 0185).
func testSignInGoesBackBrowser(t *testing.T) {
	clk := &clock{}
	e := start(t, envOptions{clock: clk})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	coord := e.coordinator(admin, "tillbakaweb@example.org", org, "0180")
	id := newcomer(t, coord, org, "0180", "Amina")
	b := openTab(t, tabOptions{})
	var where, given, flash string
	b.run("sign in", signIn(e, "tillbakaweb@example.org", `form[action="/signout"]`))

	b.run("a person's page", chromedp.Navigate(e.base+"/participants/"+id), chromedp.WaitVisible(`#f-given_name`))
	clk.Advance(9 * time.Hour) // past a session's 8 hours
	b.run("the page again after the session ended", chromedp.Reload(), chromedp.WaitVisible(`#f-password`),
		chromedp.Location(&where), chromedp.Text(`.flash`, &flash, chromedp.ByQuery))
	if !strings.Contains(where, "expired=1") || !strings.Contains(flash, "Please sign in again") {
		t.Errorf("the expired page went to %s saying %q", where, flash)
	}
	b.run("sign in again", chromedp.SendKeys(`#f-email`, "tillbakaweb@example.org"), chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`button.primary`), chromedp.WaitVisible(`#f-given_name`), chromedp.Location(&where),
		chromedp.Value(`#f-given_name`, &given, chromedp.ByQuery))
	if where != e.base+"/participants/"+id || given != "Amina" {
		t.Errorf("after signing in again: %s with given name %q, want the person's page", where, given)
	}

	b.run("the form, half filled", chromedp.Navigate(e.base+"/participants/new"), chromedp.WaitVisible(`#f-given_name`),
		chromedp.SendKeys(`#f-given_name`, "Utgången"))
	clk.Advance(9 * time.Hour)
	b.run("send it after the session ended", chromedp.Submit(`#f-given_name`), chromedp.WaitVisible(`#f-password`),
		chromedp.Location(&where), chromedp.Text(`.flash`, &flash, chromedp.ByQuery))
	if !strings.Contains(where, "expired=form") || !strings.Contains(flash, "was not saved") {
		t.Errorf("the expired form went to %s saying %q", where, flash)
	}
	b.run("sign in again", chromedp.SendKeys(`#f-email`, "tillbakaweb@example.org"), chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`button.primary`), chromedp.WaitVisible(`#f-given_name`), chromedp.Location(&where),
		chromedp.Value(`#f-given_name`, &given, chromedp.ByQuery))
	if where != e.base+"/participants/new" || given != "" {
		t.Errorf("after signing in again: %s with given name %q, want the empty form", where, given)
	}
	ps, err := coord.registry.ListParticipants(testutil.Context(t), connect.NewRequest(&gatewayv1.ListParticipantsRequest{PageSize: 10}))
	if err != nil || len(ps.Msg.GetParticipants()) != 1 {
		t.Errorf("newcomers after the expired form: %d %v, want Amina only", len(ps.Msg.GetParticipants()), err)
	}
}
