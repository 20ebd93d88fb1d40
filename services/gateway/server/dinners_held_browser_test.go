package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// testHeldDinnerBrowser walks the programme's second half as a
// coordinator in Chromium, in Swedish (ADR 0269): a party seated and
// confirmed three days ahead, the clock moved past the dinner, the
// confirmed seating found on the seatings page, attendance recorded with
// the child a no-show, the guest's feedback given, then the held seating,
// with who came, the sign-up and the report with the dinner held,
// each at 375 and 1,100 px: no English, nothing wider than the screen,
// and axe-core finds no violation of any impact.
func testHeldDinnerBrowser(t *testing.T) {
	clk := &clock{}
	e := start(t, envOptions{clock: clk})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "hallen@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 3).Format(time.DateOnly)
	dinnerOffer(t, coord, host, "0180", 4, day)
	dinnerSignUp(t, coord, guest, "0180", day)
	job := runDinnerJob(t, coord, "held-job")
	id := confirmOnlySeating(t, coord, job)
	clk.Advance(4 * 24 * time.Hour) // the dinner was yesterday

	b := openTab(t, tabOptions{width: 375, height: 812, timeout: 180 * time.Second})
	check := func(path string) {
		t.Helper()
		for _, w := range []int64{375, 1100} {
			var width, scroll int
			name := strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(path) + "-" + map[int64]string{375: "phone", 1100: "laptop"}[w]
			b.run(path, chromedp.EmulateViewport(w, 812), chromedp.Navigate(e.base+path), chromedp.WaitVisible(`h1`, chromedp.ByQuery),
				chromedp.Evaluate(`window.innerWidth`, &width), chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
				b.swedish(name, "minor"), b.shot("held"+name))
			if int64(width) != w || scroll > width {
				t.Errorf("%s on a %d px screen: width %d, page %d px", path, w, width, scroll)
			}
		}
	}
	row := `#seating-` + id
	b.run("sign in", signIn(e, "hallen@example.org", `ul.tiles`), inSwedish())
	check("/dinners/seatings?status=SEATING_STATUS_CONFIRMED")
	var hint int
	b.run("attendance, the child a no-show", chromedp.EmulateViewport(375, 812),
		chromedp.Navigate(e.base+"/dinners/seatings?status=SEATING_STATUS_CONFIRMED"), chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll('`+row+` .hint').length`, &hint),
		chromedp.SetValue(`#at-`+id+`-1`, "ATTENDANCE_CAME", chromedp.ByID),
		chromedp.SetValue(`#at-`+id+`-2`, "ATTENDANCE_NO_SHOW", chromedp.ByID),
		chromedp.Click(row+` form[action$="/attendance"] button.primary`, chromedp.ByQuery),
		chromedp.WaitNotPresent(row+` form[action$="/attendance"]`, chromedp.ByQuery))
	if hint != 0 {
		t.Errorf("a dinner held yesterday still says when attendance can be recorded")
	}
	b.run("the guest's feedback", chromedp.Navigate(e.base+"/dinners/seatings?status=SEATING_STATUS_HELD"), chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.SetValue(`#fr-`+id+`-DINNER_PARTY_GUEST`, "4", chromedp.ByID),
		chromedp.Click(`#fm-`+id+`-DINNER_PARTY_GUEST`, chromedp.ByID), chromedp.Click(`#fp-`+id+`-DINNER_PARTY_GUEST`, chromedp.ByID),
		chromedp.Click(row+` form[action$="/feedback"] button.primary`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`#fr-`+id+`-DINNER_PARTY_GUEST`, chromedp.ByID))
	var held, signups, report string
	check("/dinners/seatings?status=SEATING_STATUS_HELD")
	b.run("read the held seating", chromedp.Navigate(e.base+"/dinners/seatings?status=SEATING_STATUS_HELD"), chromedp.Text(row, &held, chromedp.ByQuery))
	check("/dinners/offers")
	var offers string
	b.run("read the offers", chromedp.Text(`table`, &offers, chromedp.ByQuery))
	check("/dinners/signups")
	b.run("read the sign-ups", chromedp.Text(`table`, &signups, chromedp.ByQuery))
	month := clk.Now().AddDate(0, 0, -1).Format("2006-01")
	check("/dinners/report?from_month=" + month + "&to_month=" + month)
	b.run("read the report", chromedp.Text(`table`, &report, chromedp.ByQuery))
	for _, want := range []string{"Leila", "Karin", "genomförd", "Närvaro: Person 1: Kom · Person 2: Uteblev", "Gästens återkoppling: 4 av 5"} {
		if !strings.Contains(held, want) {
			t.Errorf("the held seating's row lacks %q: %q", want, held)
		}
	}
	if !strings.Contains(offers, day+" 18:00 · dagen har passerat") || strings.Contains(offers, "Ställ in") {
		t.Errorf("the offer's dinner held yesterday: %q", offers)
	}
	if !strings.Contains(signups, "Leila") {
		t.Errorf("the sign-ups: %q", signups)
	}
	t.Logf("held row: %q\noffers: %q\nsign-ups: %q\nreport: %q", held, offers, signups, report)
}
