package server_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// testNumberColumnsInOneRow: the dinners' waitlist and report mark their
// number columns .num, the class the overview's tiles draw a large
// figure with; every header and figure was a 2rem block, so a table of
// seven columns read as one column; and on a phone every table turned
// into blocks with its headings hidden, so a report's row was eight bare
// figures down the screen (ADR 0154). In headless Chromium, at 1100 and
// 390 px, each row of a table of figures stands on one line under its
// headings, a figure is no larger than its row's other text, and the page
// stays within the window (the table scrolls in its own box).
func testNumberColumnsInOneRow(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "tabell@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, host, "0180", 4, day)
	dinnerSignUp(t, coord, guest, "0180", day)

	// For every table row: the cells' tops apart (px), and a .num cell's
	// font size over its row's first cell's; whether a table's headings
	// are hidden, and whether the page runs past the window.
	const measure = `(() => { let worst = {spread: 0, ratio: 1, tables: 0, hidden: 0, wide: document.documentElement.scrollWidth > window.innerWidth};
	  for (const t of document.querySelectorAll('table.figures')) { worst.tables++;
	    if (t.tHead && t.tHead.getBoundingClientRect().height < 2) worst.hidden++;
	    for (const r of t.rows) { const cs = [...r.cells]; if (cs.length < 2) continue;
	      const tops = cs.map(c => c.getBoundingClientRect().top);
	      worst.spread = Math.max(worst.spread, Math.max(...tops) - Math.min(...tops));
	      const base = parseFloat(getComputedStyle(cs[0]).fontSize);
	      for (const c of cs) if (c.classList.contains('num')) worst.ratio = Math.max(worst.ratio, parseFloat(getComputedStyle(c).fontSize) / base); } }
	  return worst; })()`
	type shape struct {
		Spread float64 `json:"spread"`
		Ratio  float64 `json:"ratio"`
		Tables int     `json:"tables"`
		Hidden int     `json:"hidden"`
		Wide   bool    `json:"wide"`
	}
	// A laptop, and a phone, where other tables turn into blocks: a table
	// of figures stays a table with its headings and scrolls in its box.
	for _, width := range []int{1100, 390} {
		b := openTab(t, tabOptions{width: width, height: 844, timeout: 90 * time.Second})
		b.run("sign in", signIn(e, "tabell@example.org", `ul.tiles`), inSwedish())
		for _, path := range []string{"/dinners/report", "/dinners/waitlist", "/reports", "/guides/organisations"} {
			var got shape
			b.run(path, chromedp.Navigate(e.base+path), chromedp.WaitVisible(`h1`, chromedp.ByQuery), chromedp.Evaluate(measure, &got), b.swedish(path, "minor"))
			if path == "/dinners/report" && got.Tables == 0 {
				t.Fatalf("%s: no table of figures to measure", path)
			}
			if got.Spread > 1 || got.Ratio > 1.01 || got.Hidden > 0 || got.Wide {
				t.Errorf("%s at %d px: a row's cells %.0f px apart in height, a figure %.2f times its row's text, %d of %d tables without headings, page wider than the window: %v; want each row on one line, one size, headings shown, the page in the window",
					path, width, got.Spread, got.Ratio, got.Hidden, got.Tables, got.Wide)
			}
		}
	}
}
