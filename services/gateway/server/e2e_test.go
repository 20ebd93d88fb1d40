package server_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// chromiumPath is Debian's chromium; `make e2e` (and `make test`)
// installs it with chromium-driver when absent.
const chromiumPath = "/usr/bin/chromium"

// screenshotsEnv names the folder for the screenshots; `make e2e` points
// it at testdata/screenshots, which the README shows. Without it they go
// to a temporary folder, so `make test` leaves the tree unchanged.
const screenshotsEnv = "MP_SCREENSHOTS_DIR"

// TestEndToEndBrowser drives the Done-when path in headless Chromium: a
// coordinator signs in, registers a newcomer, runs a mentoring job and
// follows its progress bar, approves a proposal after reading its
// explanation, and exports the report as CSV.
func TestEndToEndBrowser(t *testing.T) {
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("chromium is missing (%v): run make chromium, or apt-get install -y chromium chromium-driver", err)
	}
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	coord := e.coordinator(admin, "anna@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	mentor(t, coord, org, "0880", "Karin")

	downloads := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(testutil.Context(t), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	screenshots := os.Getenv(screenshotsEnv)
	if screenshots == "" {
		screenshots = t.TempDir()
	}
	shot := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var buf []byte
			if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(screenshots, name+".png"), buf, 0o644)
		})
	}
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var html string
			_ = chromedp.Run(ctx, chromedp.OuterHTML("body", &html))
			t.Fatalf("%s: %v\npage: %s", what, err, trim(html))
		}
	}
	if err := os.MkdirAll(screenshots, 0o755); err != nil {
		t.Fatal(err)
	}

	run("sign in",
		cdpbrowser.SetDownloadBehavior(cdpbrowser.SetDownloadBehaviorBehaviorAllow).WithDownloadPath(downloads).WithEventsEnabled(true),
		chromedp.Navigate(e.base+"/signin"),
		chromedp.WaitVisible(`#f-email`),
		shot("01-sign-in"),
		chromedp.SendKeys(`#f-email`, "anna@example.org"),
		chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`button.primary`),
		chromedp.WaitVisible(`ul.tiles`),
		shot("02-dashboard"),
	)

	run("register a newcomer with a mistake",
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
		shot("03-register-validation"),
	)
	run("fix and register",
		chromedp.SetValue(`#f-phone`, "+46701234567"),
		chromedp.Click(`form.form button.primary`),
		chromedp.WaitVisible(`p.flash`),
		shot("04-registered"),
	)

	// The mentoring service learns of the newcomer from events, so the
	// first job may run before she is in its pool: start again until a
	// proposal names her.
	testutil.CheckFor(t, 45*time.Second, 100*time.Millisecond, func() error {
		var text string
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		err := chromedp.Run(actx,
			chromedp.Navigate(e.base+"/matching"),
			chromedp.WaitVisible(`#start-job`),
			chromedp.Click(`#start-job`),
			chromedp.WaitVisible(`div.job:first-of-type progress`, chromedp.ByQuery),
			chromedp.WaitVisible(`div.job:first-of-type a.review`, chromedp.ByQuery),
			shot("05-job-progress"),
			chromedp.Navigate(e.base+"/matching#proposals"),
			chromedp.WaitVisible(`#proposals`, chromedp.ByQuery),
			chromedp.Text(`#proposals`, &text, chromedp.ByQuery),
		)
		if err != nil {
			var html string
			_ = chromedp.Run(ctx, chromedp.OuterHTML("main", &html))
			t.Logf("attempt: %v", err)
			return fmt.Errorf("%w; page: %s", err, trim(html))
		}
		if !strings.Contains(text, "Amina Hassan") {
			return errors.New("no proposal for the new newcomer yet")
		}
		return nil
	})
	var row string
	run("review and approve",
		shot("06-proposals"),
		chromedp.Text(`//tr[contains(., "Amina Hassan")]`, &row, chromedp.BySearch),
		chromedp.Click(`//tr[contains(., "Amina Hassan")]//button[contains(@class, "approve")]`, chromedp.BySearch),
		chromedp.WaitVisible(`//tr[contains(., "Amina Hassan")]//span[@role="status"]`, chromedp.BySearch),
		shot("07-approved"),
	)
	if !strings.Contains(row, "Both speak Arabic") {
		t.Fatalf("proposal row lacks its explanation: %q", row)
	}

	run("report and export",
		chromedp.Navigate(e.base+"/reports"),
		chromedp.WaitVisible(`svg`),
		shot("08-reports"),
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
