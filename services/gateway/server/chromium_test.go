package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// tab is one headless Chromium tab of a browser test, with axe-core read
// for its accessibility checks. Every browser test starts Chromium the
// same way, so a flag that keeps a loaded CI machine from waiting on
// Chromium's own network (updates, sync, QUIC probes) is set once for
// all of them.
type tab struct {
	t   *testing.T
	ctx context.Context
	// axe is axe-core's script, injected into a page to check it.
	axe []byte
	// shots is the folder shot writes to; none is written when empty.
	shots string
}

// tabOptions are what the browser tests choose differently.
type tabOptions struct {
	// width and height are the window's; a laptop's 1100×900 when zero.
	width, height int
	// timeout bounds all the test's browsing; 90 s when zero.
	timeout time.Duration
	// acceptLang is the languages the browser asks pages in, as
	// Accept-Language sends them; Chromium's own when empty.
	acceptLang string
}

// openTab starts headless Chromium with a throw-away profile and opens a
// tab, closed when t ends. It fails t, saying how to install them, when
// Chromium or axe-core is missing: a browser test that cannot run fails
// rather than skips.
func openTab(t *testing.T, o tabOptions) *tab {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("chromium is missing (%v): run make chromium, or apt-get install -y chromium chromium-driver", err)
	}
	b := &tab{t: t, axe: mustAxe(t), shots: os.Getenv(screenshotsEnv)}
	if b.shots == "" {
		b.shots = t.TempDir()
	}
	if err := os.MkdirAll(b.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	if o.width == 0 {
		o.width, o.height = 1100, 900
	}
	if o.timeout == 0 {
		o.timeout = 90 * time.Second
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(o.width, o.height),
	}
	if o.acceptLang != "" {
		opts = append(opts, chromedp.Flag("accept-lang", o.acceptLang))
	}
	actx, cancelA := chromedp.NewExecAllocator(testutil.Context(t), opts...)
	t.Cleanup(cancelA)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// The deadline counts from here, after the test's own set-up, as it
	// did when each test wrote this out: a slow seeding must not eat the
	// browsing's time.
	ctx, cancelT := context.WithTimeout(ctx, o.timeout)
	t.Cleanup(cancelT)
	b.ctx = ctx
	if o.width < minWindowWidth {
		// Chromium's window is never narrower than 500 px, whatever
		// WindowSize says (innerWidth read 500 for 390): a phone's width
		// is emulated, or the "390 px" checks ran at 500 (ADR 0126).
		b.run("emulate a phone's screen", chromedp.EmulateViewport(int64(o.width), int64(o.height)))
	}
	return b
}

// minWindowWidth is the narrowest window headless Chromium opens.
const minWindowWidth = 500

// run runs actions in the tab in order; on an error it fails the test
// with what it was doing, the error and the page's body.
func (b *tab) run(what string, actions ...chromedp.Action) {
	b.t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		var html string
		_ = chromedp.Run(b.ctx, chromedp.OuterHTML("body", &html, chromedp.ByQuery))
		// The step is said again after the page: CI keeps only the tail
		// of a long failure, and the page alone does not say which step.
		b.t.Fatalf("%s: %v\npage: %s\n(the step that failed: %s: %v)", what, err, trim(html), what, err)
	}
}

// signIn signs in on e's sign-in page as email with the tests' password
// and waits for ready on the page that follows.
func signIn(e *env, email, ready string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(e.base + "/signin"),
		chromedp.WaitVisible(`#f-email`),
		chromedp.SendKeys(`#f-email`, email),
		chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`button.primary`),
		chromedp.WaitVisible(ready),
	}
}

// inSwedish chooses Swedish with the language picker of the page shown
// and waits for the page the picker's post leads to, in Swedish. It waited
// for html[lang="sv"] alone, which a page already in Swedish (a second
// sign-in keeps the language cookie) matched at once, while the post was
// still on its way: the next navigation aborted it or was aborted by it
// (net::ERR_ABORTED, seen in session 30). The page shown is marked, and
// the wait is for a page without the mark.
// Evaluating while the page changes fails ("Cannot find context"), so
// such failures only mean "not yet".
func inSwedish() chromedp.Tasks {
	var marked bool
	return chromedp.Tasks{
		chromedp.Evaluate(`window.mpBeforeLocale = true`, &marked),
		chromedp.SetValue(`#locale-pick`, "sv"),
		chromedp.Click(`form[action="/settings/locale"] button`),
		chromedp.ActionFunc(func(ctx context.Context) error {
			for {
				var done bool
				err := chromedp.Evaluate(`!window.mpBeforeLocale && document.readyState === "complete" && document.documentElement.lang === "sv"`, &done).Do(ctx)
				if err == nil && done {
					return nil
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
	}
}

// shot saves a screenshot of the whole page shown as name.png in the
// screenshots folder.
func (b *tab) shot(name string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if b.shots == "" {
			return nil
		}
		var buf []byte
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(b.shots, name+".png"), buf, 0o644)
	})
}

// accessible fails the test on each serious or critical axe-core
// violation of the page shown, called name.
func (b *tab) accessible(name string) chromedp.Action { return axeClean(b.t, b.axe, name) }

// spotless fails the test on each axe-core violation of any impact of
// the page shown, minor ones included.
func (b *tab) spotless(name string) chromedp.Action { return axeSpotless(b.t, b.axe, name) }

// swedish checks the page shown, called name, as a Swedish user sees it:
// the page says it is Swedish, shows no string of the English catalogue
// (noEnglish), and axe-core finds no violation of impact least or worse
// ("serious", or "minor" for the pages kept free of all).
func (b *tab) swedish(name, least string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var html string
		if err := chromedp.OuterHTML("html", &html, chromedp.ByQuery).Do(ctx); err != nil {
			return err
		}
		if !strings.Contains(html, `<html lang="sv"`) {
			b.t.Errorf("%s: not in Swedish", name)
		}
		noEnglish(b.t, name, html)
		return axeCheckFrom(ctx, b.t, b.axe, name, least)
	})
}
