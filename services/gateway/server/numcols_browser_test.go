package server_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestNumberColumnsInOneRow: the dinners' waitlist and report mark their
// number columns .num, the class the overview's tiles draw a large
// figure with; every header and figure was a 2rem block, so a table of
// seven columns read as one column (ADR 0154). In headless Chromium each
// table's header cells and each row's cells stand side by side, and a
// figure in a table is no larger than its row's other text.
func TestNumberColumnsInOneRow(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "tabell@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, host, "0180", 4, day)
	dinnerSignUp(t, coord, guest, "0180", day)

	b := openTab(t, tabOptions{timeout: 90 * time.Second})
	// For every table row: the cells' tops apart (px), and a .num cell's
	// font size over its row's first cell's.
	const measure = `(() => { let worst = {spread: 0, ratio: 1, tables: 0};
	  for (const t of document.querySelectorAll('main table, table')) { worst.tables++;
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
	}
	b.run("sign in", signIn(e, "tabell@example.org", `ul.tiles`), inSwedish())
	for _, path := range []string{"/dinners/report", "/dinners/waitlist"} {
		var got shape
		b.run(path, chromedp.Navigate(e.base+path), chromedp.WaitVisible(`h1`, chromedp.ByQuery), chromedp.Evaluate(measure, &got))
		if path == "/dinners/report" && got.Tables == 0 {
			t.Fatalf("%s: no table to measure", path)
		}
		if got.Spread > 1 || got.Ratio > 1.01 {
			t.Errorf("%s: a row's cells are %.0f px apart in height and a figure %.2f times its row's text; want one line, one size", path, got.Spread, got.Ratio)
		}
	}
}
