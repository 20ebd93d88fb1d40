package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// testPersonProgrammesBrowser walks ADR 0279 in Chromium, in Swedish, at
// 375 and 1,100 px: a coordinator opens the page of a newcomer with an
// active and an ended pair and an active guide, of one who waits for
// both, and of one in neither programme; the active pair's link opens
// its pair page. Every page: no English, nothing wider than the screen,
// no axe-core violation of any impact.
func testPersonProgrammesBrowser(t *testing.T) {
	e := start(t, envOptions{})
	s := setupProgrammes(t, e, "browser")
	// The pools learn of Leila from events: her page says she waits once
	// both services have her.
	hb := e.browser()
	hb.signIn(s.coordEmail, password)
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		_, page := hb.get("/participants/" + s.leila)
		if !strings.Contains(page, "Väntar på en mentor") && !strings.Contains(page, "Waiting for a mentor") {
			return fmt.Errorf("Leila does not wait yet")
		}
		return nil
	})

	b := openTab(t, tabOptions{width: 375, height: 812, timeout: 180 * time.Second})
	check := func(path, ready string) {
		t.Helper()
		for _, w := range []int64{375, 1100} {
			var width, scroll int
			name := strings.NewReplacer("/", "-").Replace(path) + "-" + map[int64]string{375: "phone", 1100: "laptop"}[w]
			b.run(path, chromedp.EmulateViewport(w, 812), chromedp.Navigate(e.base+path), chromedp.WaitVisible(ready, chromedp.ByQuery),
				chromedp.Evaluate(`window.innerWidth`, &width), chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
				b.swedish(name, "minor"), b.shot("person-programmes"+name))
			if int64(width) != w || scroll > width {
				t.Errorf("%s on a %d px screen: width %d, page %d px", path, w, width, scroll)
			}
		}
	}
	b.run("sign in", signIn(e, s.coordEmail, `ul.tiles`), inSwedish())
	check("/participants/"+s.amina, `section.person-guide`)
	var mentoring, guide, waiting, none, pair string
	b.run("read the programmes", chromedp.Text(`section.person-mentoring`, &mentoring, chromedp.ByQuery),
		chromedp.Text(`section.person-guide`, &guide, chromedp.ByQuery))
	check("/participants/"+s.leila, `section.person-guide`)
	b.run("read the waits", chromedp.Text(`section.person-mentoring`, &waiting, chromedp.ByQuery))
	check("/participants/"+s.nour, `section.person-guide`)
	b.run("read the empty states", chromedp.Text(`section.person-mentoring`, &none, chromedp.ByQuery))
	b.run("open the active pair", chromedp.Navigate(e.base+"/participants/"+s.amina), chromedp.WaitVisible(`section.person-mentoring`, chromedp.ByQuery),
		chromedp.Click(`section.person-mentoring a[href="/pairs/`+s.active+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`main h1`, chromedp.ByQuery), chromedp.Text(`main`, &pair, chromedp.ByQuery))
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for _, want := range []string{"Sven Andersson", "aktiv sedan " + s.today, "senaste uppföljning " + s.today, "Tidigare", "(borttagen)", "Kontakten bröts"} {
		if !strings.Contains(flat(mentoring), want) {
			t.Errorf("the mentoring section lacks %q: %q", want, flat(mentoring))
		}
	}
	if strings.Contains(mentoring, "Erik") {
		t.Errorf("the deleted mentor by name: %q", flat(mentoring))
	}
	if !strings.Contains(flat(guide), "Lotsarna i Kalmar") || !strings.Contains(flat(guide), "pågår sedan "+s.today) {
		t.Errorf("the guide section: %q", flat(guide))
	}
	if !strings.Contains(flat(waiting), "Väntar på en mentor sedan "+s.today) {
		t.Errorf("a waiting newcomer: %q", flat(waiting))
	}
	if !strings.Contains(flat(none), "Inget mentorspar") {
		t.Errorf("a newcomer in no programme: %q", flat(none))
	}
	if !strings.Contains(pair, "Sven Andersson") || !strings.Contains(pair, "Amina Hassan") {
		t.Errorf("the active pair's link opened: %q", flat(pair))
	}
	t.Logf("mentoring: %q\nguide: %q\nwaiting: %q\nnone: %q", flat(mentoring), flat(guide), flat(waiting), flat(none))
}
