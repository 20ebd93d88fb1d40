package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAuditWindowSaysWhatItFound: an admin who asks the audit log "who
// read this record" with "Från" after "Till" (a slip between two date
// fields) got the table's head and no row, exactly as a window nobody
// acted in, and read it as "nobody did" (found from outside, ADR 0223).
// A backwards window is refused, the error summary's link leading to
// "Till" (the summary's links led to #f-from and #f-to, which the search
// form's fields, q-from and q-to, were not); a search that finds
// nothing says so in words, in the admin's language; a page with entries
// does not say it.
func TestAuditWindowSaysWhatItFound(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	e.coordinator(admin, "coordinator@example.org", org, "0880")
	c := e.browser()
	c.signIn("coordinator@example.org", password)
	// A coordinator is refused the page whatever the dates, as without
	// them; a mistyped date answered her the admin's search form (422).
	for _, q := range []string{"from=garbage", "from=2027-01-01T00:00&to=2026-01-01T00:00"} {
		if code, page := c.get("/admin/audit?" + q); code != http.StatusForbidden {
			t.Errorf("a coordinator on the audit page with %s: %d, want 403: %s", q, code, trim(page))
		}
	}
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	for _, lang := range []struct{ locale, after, none string }{
		{"sv", "måste vara efter tiden i Från", "Inga poster i granskningsloggen matchar sökningen."},
		{"en", "must be after the From time", "No entries in the audit log match the search."},
	} {
		if code, _ := b.post("/settings/locale", url.Values{"locale": {lang.locale}}); code != http.StatusSeeOther {
			t.Fatalf("set locale %s: %d", lang.locale, code)
		}
		code, page := b.get("/admin/audit?from=2027-01-01T00:00&to=2026-01-01T00:00")
		if code != http.StatusUnprocessableEntity || !strings.Contains(page, lang.after) || !strings.Contains(page, `href="#f-to"`) || !strings.Contains(page, `id="f-to"`) {
			t.Errorf("%s: a window from 2027 to 2026: %d, want 422 with %q beside Till: %s", lang.locale, code, lang.after, trim(page))
		}
		if code, page := b.get("/admin/audit?from=2026-01-01T00:00&to=2026-01-01T00:00"); code != http.StatusUnprocessableEntity || !strings.Contains(page, lang.after) {
			t.Errorf("%s: an empty window (Från equal to Till): %d, want 422 with %q", lang.locale, code, lang.after)
		}
		code, page = b.get("/admin/audit?from=2020-01-01T00:00&to=2020-01-02T00:00")
		if code != http.StatusOK || !strings.Contains(page, lang.none) {
			t.Errorf("%s: a window with no entries: %d, want 200 saying %q: %s", lang.locale, code, lang.none, trim(page))
		}
		code, page = b.get("/admin/audit")
		if code != http.StatusOK || strings.Contains(page, lang.none) || !strings.Contains(page, "<td>") {
			t.Errorf("%s: the whole log (the sign-in is in it): %d, rows and no %q wanted: %s", lang.locale, code, lang.none, trim(page))
		}
	}
}
