package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// sealedGet is the GET of the address withDone gives p for a form's post
// to path with done: what the browser opens after the 303.
func sealedGet(t *testing.T, p *page, path string, done url.Values) *http.Request {
	t.Helper()
	loc := withDone(p, path, done)
	if !strings.HasSuffix(loc, "#"+flashID) {
		t.Fatalf("withDone(%s, %v) = %s: no #%s", path, done, loc, flashID)
	}
	// A browser sends no fragment.
	return httptest.NewRequest("GET", strings.TrimSuffix(loc, "#"+flashID), nil)
}

// TestBulkFlashOnlyForCountsAnApprovalHas: the matching page's message
// after a bulk approval is read from its address, so any link could make
// it say "9223372036854775807 förslag godkändes och erbjöds båda." or "0
// förslag godkändes" for an approval that never was (outside round s43).
// Counts one bulk approval cannot have (over maxBulk in all, negative,
// not a number) now give no message; the redirect's own still read. The
// counts are sealed here as a redirect would (ADR 0246), so what is
// tested is the bound, not the seal.
func TestBulkFlashOnlyForCountsAnApprovalHas(t *testing.T) {
	t.Parallel()
	p := &page{Lang: "sv", CSRF: "the-session's-token"}
	for q, want := range map[string]string{
		"done=bulk&approved=5&failed=2":                    "5 förslag godkändes och erbjöds båda. 2 gick inte att godkänna (de kan redan ha behandlats).",
		"done=bulk&approved=1&failed=0":                    "1 förslag godkändes och erbjöds båda.",
		"done=bulk&approved=500&failed=0":                  "500 förslag godkändes och erbjöds båda.",
		"done=bulk&approved=9223372036854775807&failed=0":  "",
		"done=bulk&approved=99999999999999999999&failed=0": "",
		"done=bulk&approved=400&failed=101":                "",
		"done=bulk&approved=-3&failed=1":                   "",
		"done=bulk&approved=x&failed=1":                    "",
		"done=bulk&approved=%E2%80%AE12&failed=x":          "",
		"done=bulk": "",
	} {
		done, err := url.ParseQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		if got := matchingFlash(p, sealedGet(t, p, "/matching", done)); got != want {
			t.Errorf("%s: %q, want %q", q, got, want)
		}
	}
}

// TestFlashOnlyForItsOwnPost: every flash done.go's readers show was
// written by its address, so a link anyone made (/matching?done=approve)
// said "Godkänt." though nothing was approved (ADR 0240's item 5). The
// flash now shows only for the address withDone sealed for this session
// and page, within flashFor: not for another session's, an edited value,
// another page, a seal past its time, or none. A reload within the time
// shows it again. The pages' own reads are in the server's
// TestFlashOnlyForItsOwnPostPages.
func TestFlashOnlyForItsOwnPost(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	readers := []struct {
		name, path string
		done       url.Values
		other      url.Values // the same page's other outcome, for the edited link
		read       func(*page, *http.Request) string
		want       string
	}{
		{"matching approve", "/matching", url.Values{"done": {"approve"}}, url.Values{"done": {"reject"}}, matchingFlash, "Godkänt och erbjudet båda."},
		{"matching reject", "/matching", url.Values{"done": {"reject"}}, url.Values{"done": {"approve"}}, matchingFlash, "Avvisat."},
		{"matching started", "/matching", url.Values{"done": {"started"}, "job": {"j1"}}, url.Values{"done": {"started"}, "job": {"j2"}}, matchingFlash, "Körningen har startat. Dess förlopp visas nedan."},
		{"matching bulk", "/matching", url.Values{"done": {"bulk"}, "approved": {"3"}, "failed": {"0"}}, url.Values{"done": {"bulk"}, "approved": {"300"}, "failed": {"0"}}, matchingFlash, "3 förslag godkändes och erbjöds båda."},
		{"seating approve", "/dinners", url.Values{"done": {"approve"}}, url.Values{"done": {"reject"}}, seatingFlash, "Godkänt: gäst och värd är inbjudna."},
		{"seating rsvp", "/dinners/seatings", url.Values{"done": {"rsvp"}}, url.Values{"done": {"approve"}}, seatingFlash, "Sparat."},
		{"users erased", "/admin/users", url.Values{"done": {"erased"}}, url.Values{"done": {"created"}}, usersFlash, "Användaren är raderad."},
		{"users disabled", "/admin/users", url.Values{"done": {"disabled"}}, url.Values{"done": {"enabled"}}, usersFlash, "Användaren är spärrad."},
		{"participant saved", "/participants/p1", url.Values{"saved": {"1"}}, url.Values{"created": {"1"}}, savedFlash, "Sparat."},
		{"volunteer created", "/volunteers/v1", url.Values{"created": {"1"}}, url.Values{"saved": {"1"}}, savedFlash, "Registrerad."},
		{"participants removed", "/participants", url.Values{"done": {"removed"}}, url.Values{"done": {"erased"}}, doneFlash, "Borttagen."},
		// The sign-in page's notices of why the user is there again
		// (ADR 0251): read from the address as it came, any link said
		// the account was disabled, or that a form was lost.
		{"signin disabled", "/signin", url.Values{"expired": {"disabled"}, "next": {"/participants"}}, url.Values{"expired": {"1"}, "next": {"/participants"}}, signinFlash, "Du loggades ut eftersom ditt konto är spärrat. Be en administratör att häva spärren."},
		{"signin disabled form", "/signin", url.Values{"expired": {"disabled_form"}}, url.Values{"expired": {"form"}}, signinFlash, ""},
		{"signin form", "/signin", url.Values{"expired": {"form"}, "next": {"/participants/new"}}, url.Values{"expired": {"disabled"}, "next": {"/participants/new"}}, signinFlash, ""},
		{"signin expired", "/signin", url.Values{"expired": {"1"}}, url.Values{"expired": {"disabled"}}, signinFlash, "Din inloggning har gått ut. Logga in igen."},
		{"signin signout", "/signin", url.Values{"done": {"signout"}}, url.Values{"done": {"setup"}}, signinFlash, ""},
	}
	for _, c := range readers {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			own := &page{Lang: "sv", CSRF: "session-a-token", now: now}
			other := &page{Lang: "sv", CSRF: "session-b-token", now: now}
			r := sealedGet(t, own, c.path, c.done)
			got := c.read(own, r)
			if got == "" || (c.want != "" && got != c.want) {
				t.Errorf("own post: %q, want %q", got, c.want)
			}
			reload := *own
			reload.now = now.Add(flashFor - time.Second)
			if again := c.read(&reload, r); again != got {
				t.Errorf("reload within %v: %q, want %q", flashFor, again, got)
			}
			if s := c.read(other, r); s != "" {
				t.Errorf("another session's link: %q", s)
			}
			stale := *own
			stale.now = now.Add(flashFor + time.Second)
			if s := c.read(&stale, r); s != "" {
				t.Errorf("after %v: %q", flashFor, s)
			}
			// The seal of this outcome on another outcome's address: the
			// done value edited, the rest kept.
			q := r.URL.Query()
			for k := range c.done {
				q.Del(k)
			}
			for k, vs := range c.other {
				q[k] = vs
			}
			edited := httptest.NewRequest("GET", r.URL.Path+"?"+q.Encode(), nil)
			if s := c.read(own, edited); s != "" {
				t.Errorf("edited to %v: %q", c.other, s)
			}
			// Another page's seal.
			elsewhere := httptest.NewRequest("GET", "/elsewhere?"+r.URL.RawQuery, nil)
			if s := c.read(own, elsewhere); s != "" {
				t.Errorf("on another page: %q", s)
			}
			// No seal, as every link said before; a seal of garbage.
			q = r.URL.Query()
			q.Del(sealParam)
			if s := c.read(own, httptest.NewRequest("GET", r.URL.Path+"?"+q.Encode(), nil)); s != "" {
				t.Errorf("no seal: %q", s)
			}
			for _, bad := range []string{"x", "99999999999.AAAA", ".", strings.Repeat("9", 40) + ".x"} {
				q.Set(sealParam, bad)
				if s := c.read(own, httptest.NewRequest("GET", r.URL.Path+"?"+q.Encode(), nil)); s != "" {
					t.Errorf("seal %q: %q", bad, s)
				}
			}
			// A page without a CSRF token seals nothing and reads nothing.
			bare := &page{Lang: "sv", now: now}
			if s := c.read(bare, sealedGet(t, bare, c.path, c.done)); s != "" {
				t.Errorf("no token: %q", s)
			}
		})
	}
}
