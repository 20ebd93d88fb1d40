package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// testEndToEndBrowser drives the Done-when path in headless Chromium: a
// coordinator signs in, registers a newcomer, runs a mentoring job and
// follows its progress bar, approves a proposal after reading its
// explanation, and exports the report as CSV.
func testEndToEndBrowser(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	coord := e.coordinator(admin, "anna@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	mentor(t, coord, org, "0880", "Karin")

	downloads := t.TempDir()
	b := openTab(t, tabOptions{})

	b.run("sign in",
		cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads).WithEventsEnabled(true),
		chromedp.Navigate(e.base+"/signin"),
		chromedp.WaitVisible(`#f-email`),
		b.shot("01-sign-in"),
		signIn(e, "anna@example.org", `ul.tiles`),
		b.shot("02-dashboard"),
	)

	b.run("register a newcomer with a mistake",
		chromedp.Navigate(e.base+"/participants/new"),
		chromedp.WaitVisible(`#f-given_name`),
		chromedp.SendKeys(`#f-given_name`, "Amina"),
		chromedp.SendKeys(`#f-family_name`, "Hassan"),
		chromedp.SetValue(`#f-municipality_code`, "0880"),
		chromedp.SendKeys(`#f-phone`, "070-123 45 6X"), // a letter: refused at the field (ADR 0124)
		chromedp.SendKeys(`#f-languages`, "ar"),
		chromedp.SetValue(`#f-swedish_level`, "SWEDISH_LEVEL_SFI_B"),
		chromedp.SendKeys(`#f-interests`, "cooking"),
		chromedp.Click(`#f-consent`),
		chromedp.Click(`form.form button.primary`),
		chromedp.WaitVisible(`#e-phone`),
		b.shot("03-register-validation"),
	)
	b.run("fix and register",
		chromedp.SetValue(`#f-phone`, "+46701234567"),
		chromedp.Click(`form.form button.primary`),
		chromedp.WaitVisible(`p.flash`),
		b.shot("04-registered"),
	)

	// The mentoring service learns of the newcomer from events, so the
	// first job may run before she is in its pool: start again until a
	// proposal names her.
	testutil.CheckFor(t, 45*time.Second, 100*time.Millisecond, func() error {
		var text string
		actx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
		defer cancel()
		err := chromedp.Run(actx,
			chromedp.Navigate(e.base+"/matching"),
			chromedp.WaitVisible(`#start-job`),
			chromedp.Click(`#start-job`),
			chromedp.WaitVisible(`div.job:first-of-type progress`, chromedp.ByQuery),
			chromedp.WaitVisible(`div.job:first-of-type a.review`, chromedp.ByQuery),
			b.shot("05-job-progress"),
			chromedp.Navigate(e.base+"/matching#proposals"),
			chromedp.WaitVisible(`#proposals`, chromedp.ByQuery),
			chromedp.Text(`#proposals`, &text, chromedp.ByQuery),
		)
		if err != nil {
			var html string
			_ = chromedp.Run(b.ctx, chromedp.OuterHTML("main", &html))
			t.Logf("attempt: %v", err)
			return fmt.Errorf("%w; page: %s", err, trim(html))
		}
		if !strings.Contains(text, "Amina Hassan") {
			return errors.New("no proposal for the new newcomer yet")
		}
		return nil
	})
	var row string
	b.run("review and approve",
		b.shot("06-proposals"),
		chromedp.Text(`//tr[contains(., "Amina Hassan")]`, &row, chromedp.BySearch),
		chromedp.Click(`//tr[contains(., "Amina Hassan")]//button[contains(@class, "approve")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//tr[contains(., "Amina Hassan")]//span[@role="status"]`, chromedp.BySearch),
		b.shot("07-approved"),
	)
	if !strings.Contains(row, "Both speak Arabic") {
		t.Fatalf("proposal row lacks its explanation: %q", row)
	}

	b.run("report and export",
		chromedp.Navigate(e.base+"/reports"),
		chromedp.WaitVisible(`svg`),
		b.shot("08-reports"),
		chromedp.Click(`a[href="/reports/export.csv?format=machine"]`),
	)
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		files, _ := filepath.Glob(filepath.Join(downloads, "*.csv"))
		if len(files) == 0 {
			return errors.New("no CSV downloaded yet")
		}
		b, err := os.ReadFile(files[0])
		if err != nil {
			return err
		}
		if !strings.Contains(string(b), "total,participants,1") {
			return fmt.Errorf("CSV lacks the newcomer: %s", b)
		}
		return nil
	})
}
