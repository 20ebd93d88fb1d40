package server_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dinnersNavRe finds the dinners pages' own navigation.
var dinnersNavRe = regexp.MustCompile(`(?s)<nav[^>]*aria-label="(?:Middagar|Dinners)"[^>]*>.*?</nav>`)

// navLinkRe finds each link of a navigation, and whether it is marked as
// the page shown.
var navLinkRe = regexp.MustCompile(`<a href="([^"]+)"( aria-current="page")?`)

// TestDinnersNavSaysWhereYouAre: the six dinners pages share one
// navigation, as the guides pages do. The matching page listed all six,
// marking none, and each other page left its own link out, so the links
// moved from page to page and no page said which one it was (ADR 0231).
// Each page now lists the same six in the same order, its own marked
// aria-current="page".
func TestDinnersNavSaysWhereYouAre(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	e.coordinator(admin, "c@example.org", org, "0880")
	b := e.browser()
	b.signIn("c@example.org", password)
	all := []string{"/dinners", "/dinners/offers", "/dinners/signups", "/dinners/seatings", "/dinners/waitlist", "/dinners/report"}
	for _, path := range all {
		code, body := b.get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		navs := dinnersNavRe.FindAllString(body, -1)
		if len(navs) != 1 {
			t.Errorf("%s: %d dinners navigations, want 1", path, len(navs))
			continue
		}
		var links, current []string
		for _, m := range navLinkRe.FindAllStringSubmatch(navs[0], -1) {
			links = append(links, m[1])
			if m[2] != "" {
				current = append(current, m[1])
			}
		}
		if !slices.Equal(links, all) {
			t.Errorf("%s: the navigation links %v, want %v", path, links, all)
		}
		if !slices.Equal(current, []string{path}) {
			t.Errorf("%s: marked as the page shown: %v, want %s alone", path, current, path)
		}
		if strings.Count(body, `aria-current="page"`) != 2 { // the top menu's "Middagar" and this page's link
			t.Errorf("%s: %d links marked as the page shown, want 2", path, strings.Count(body, `aria-current="page"`))
		}
	}
}
