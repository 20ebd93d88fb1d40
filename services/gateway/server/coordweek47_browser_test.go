package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// testCoordinatorWeekOnAPhone walks what session 47 added to a
// coordinator's week (ADR 0261) in Chromium, in Swedish, at 375 and 1100
// px: the overview's follow-up tile clicked to the pairs to follow up, the
// waiting list's link clicked to why they wait, the reports page for a
// period and with a refused month, and as an administrator the audit page
// and the users page with their links. Each page fits the screen, shows
// no English, and axe-core finds no violation of any impact.
func testCoordinatorWeekOnAPhone(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "vecka@example.org", org, "0880")
	newcomer(t, coord, org, "0880", "Amina")
	job, err := finishedJob(t, coord, "v")
	if err != nil {
		t.Fatal(err)
	}
	b := openTab(t, tabOptions{width: 375, height: 812, timeout: 180 * time.Second})
	check := func(b *tab, path string) {
		t.Helper()
		for _, w := range []int64{375, 1100} {
			var width, scroll int
			b.run(path, chromedp.EmulateViewport(w, 812), chromedp.Navigate(e.base+path), chromedp.WaitVisible(`h1`, chromedp.ByQuery),
				chromedp.Evaluate(`window.innerWidth`, &width), chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
				b.swedish(path, "minor"))
			if int64(width) != w || scroll > width {
				t.Errorf("%s on a %d px screen: width %d, page %d px", path, w, width, scroll)
			}
		}
	}
	b.run("sign in", signIn(e, "vecka@example.org", `ul.tiles`), inSwedish())

	var at string
	b.run("the follow-up tile", chromedp.Click(`a[href="/matching?follow_up=1#pairs"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#pairs`, chromedp.ByQuery), chromedp.Location(&at))
	if !strings.Contains(at, "/matching?follow_up=1") {
		t.Errorf("the follow-up tile led to %s", at)
	}
	b.run("why they wait", chromedp.Navigate(e.base+"/matching/waiting"),
		chromedp.Click(`a[href="/matching/jobs/`+job.GetId()+`/unmatched"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery), chromedp.Location(&at))
	if !strings.HasSuffix(at, "/matching/jobs/"+job.GetId()+"/unmatched") {
		t.Errorf("the waiting list's link led to %s", at)
	}
	for _, path := range []string{"/", "/matching?follow_up=1", "/matching/waiting", "/reports?from_month=2024-01&to_month=2024-06", "/reports?from_month=2024-13"} {
		check(b, path)
	}
	a := openTab(t, tabOptions{width: 375, height: 812, timeout: 90 * time.Second})
	a.run("sign in as admin", chromedp.Navigate(e.base+"/signin"), chromedp.WaitVisible(`#f-email`),
		chromedp.SendKeys(`#f-email`, adminEmail), chromedp.SendKeys(`#f-password`, adminPass),
		chromedp.Click(`button.primary`), chromedp.WaitVisible(`ul.tiles`), inSwedish())
	for _, path := range []string{"/admin/users", "/admin/audit"} {
		check(a, path)
	}
}
