package server_test

import (
	"net/http"
	"testing"
)

// TestReportPagesSayHowOld: every report page (mentoring and register,
// dinners and its waitlist, guides' equity) says how old its figures are, in Swedish: they
// are served from the last computation while a refresh runs in the
// background (ADR 0067), so a coordinator must be able to tell.
func TestReportPagesSayHowOld(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	e.coordinator(admin, "alder@example.org", org, "0880")
	b := e.browser()
	b.signIn("alder@example.org", password)
	b.get("/")
	b.swedish()
	for _, path := range []string{"/reports", "/dinners/report", "/dinners/waitlist", "/guides/equity"} {
		code, page := b.get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, code, trim(page))
		}
		mustContain(t, page, `<p class="hint" id="figures-age">Siffrorna är uppdaterade `)
	}
}
