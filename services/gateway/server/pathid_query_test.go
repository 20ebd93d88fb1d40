package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestMalformedJobInQueryNamesNothing: ADR 0242 made an address's
// malformed id answer as an unknown one does, but only in the path. The
// programmes' job pages name their job in the query, and /matching?job=a.b
// still answered 422 "Postens id: är inget giltigt id." where ?job=xyz
// answered the 404 page (outside round s44, ADR 0245). Each such page now
// answers a malformed job id as it answers "xyz": the 404 page on the
// three job pages, and the bulk approval's "no proposal has that many
// points" page.
func TestMalformedJobInQueryNamesNothing(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Fel jobb i adressen", "0180")
	e.coordinator(admin, "feljobb@example.org", org, "0180")
	b := e.swedishBrowser("feljobb@example.org")
	malformed := []string{strings.Repeat("a", 200), strings.Repeat("7", 65), "a.b", "..%2F..%2Fetc", "%E2%80%AEabc", "a%20b", "j%C3%B6b"}
	for _, page := range []string{"/matching?job=%s", "/dinners?job=%s", "/guides/assign?job=%s", "/matching/bulk?min_score=100&job=%s"} {
		wantCode, body := b.get(strings.Replace(page, "%s", "xyz", 1))
		want := trim(visibleText(mainOf(body)))
		if wantCode != http.StatusNotFound && wantCode != http.StatusOK {
			t.Fatalf("%s with xyz: %d %s", page, wantCode, want)
		}
		for _, id := range malformed {
			path := strings.Replace(page, "%s", id, 1)
			code, body := b.get(path)
			if got := trim(visibleText(mainOf(body))); code != wantCode || got != want {
				t.Errorf("%s: %d %q, want %d %q as for xyz", trim(path), code, got, wantCode, want)
			}
		}
	}
}
