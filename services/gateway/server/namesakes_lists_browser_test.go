package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// testNamesakeListsOnAPhone walks the lists ADR 0200 marks (proposals,
// left out, waiting, dinners proposals, guides proposals and without a
// guide, the guides' eligibility, dinner sign-ups and offers) with plantNamesakeLists' namesakes, on a 375 px screen in
// Swedish: each page fits the screen, has no axe-core violation of any
// impact, and shows its marked person's mark.
func testNamesakeListsOnAPhone(t *testing.T) {
	e := start(t, envOptions{})
	s := plantNamesakeLists(t, e)
	b := openTab(t, tabOptions{width: 375, height: 812, timeout: 180 * time.Second})
	b.run("sign in", signIn(e, "namn-a@example.org", `ul.tiles`), inSwedish())
	for _, pg := range []struct{ path, marked string }{
		{"/matching?job=" + s.mentoring, "Amal Hassan"},
		{"/matching/jobs/" + s.mentoring + "/unmatched", "Tesfay Berhane"},
		{"/matching/waiting", "Tesfay Berhane"},
		{"/dinners?job=" + s.dinners, "Amal Hassan"},
		{"/guides/assign?job=" + s.guides, "Amal Hassan"},
		{"/guides/jobs/" + s.guides + "/unassigned", "Tesfay Berhane"},
		{"/guides", "Amal Hassan"},
		{"/dinners/signups", "Amal Hassan"},
		{"/dinners/offers", "Karin Lindgren"},
	} {
		var width, scroll int
		var text string
		b.run(pg.path, chromedp.Navigate(e.base+pg.path), chromedp.WaitVisible(`h1`, chromedp.ByQuery),
			chromedp.Evaluate(`window.innerWidth`, &width), chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
			chromedp.Text(`main`, &text, chromedp.ByQuery), b.swedish(pg.path, "minor"))
		if width != 375 || scroll > width {
			t.Errorf("%s on a 375 px screen: width %d, page %d px", pg.path, width, scroll)
		}
		if !markedRe(pg.marked).MatchString(strings.Join(strings.Fields(text), " ")) {
			t.Errorf("%s: %s without the mark:\n%s", pg.path, pg.marked, trim(text))
		}
	}
}
