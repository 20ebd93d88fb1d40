package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestJobStartSaysSo: a job's start form answered 303 to its page bare
// (/matching, /dinners, /guides/assign): nothing said it started, and a
// keyboard's focus began at the top of the page, before the menu, where
// every other form's outcome takes it (ADR 0236; outside round s43). The
// three starts now lead to the flash ("Körningen har startat"), which the
// layout focuses, and the page shows the job below it.
func TestJobStartSaysSo(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	e.coordinator(admin, "startord@example.org", org, "0180")
	b := e.browser()
	b.signIn("startord@example.org", password)
	b.swedish()
	for _, tc := range []struct{ page, start, bar string }{
		{"/matching", "/matching/jobs", `id="job-`},
		{"/dinners", "/dinners/jobs", `id="djob-`},
		{"/guides/assign", "/guides/jobs", `id="gjob-`},
	} {
		_, body := b.get(tc.page)
		m := requestIDRe.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s has no start form:\n%s", tc.page, trim(body))
		}
		code, loc := b.post(tc.start, url.Values{"request_id": {m[1]}, "municipality_codes": {"0180"}})
		if want := tc.page + "?done=started#flash"; code != http.StatusSeeOther || unsealed(loc) != want {
			t.Errorf("start from %s: %d to %q, want 303 to %s", tc.page, code, loc, want)
			continue
		}
		_, page := b.get(strings.TrimSuffix(loc, "#flash"))
		mustContain(t, page, `id="flash" tabindex="-1" autofocus>Körningen har startat. Dess förlopp visas nedan.</p>`, tc.bar)
	}
}
