package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestGuidePagesAccessible opens every guide page in a browser in Swedish
// as the guides coordinator, the guide organisations page included, and
// runs axe-core on each: no serious or critical violation.
func TestGuidePagesAccessible(t *testing.T) {
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("chromium is missing (%v): run make chromium", err)
	}
	axe, err := os.ReadFile(axePath(t))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run make axe", err)
	}
	e := start(t, envOptions{})
	setupGuides(t, e)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(testutil.Context(t), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	defer cancelT()

	// axeCheck fails the test for every serious or critical violation on
	// the page shown.
	axeCheck := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var raw json.RawMessage
			if err := chromedp.Run(ctx, chromedp.Evaluate(string(axe), nil),
				chromedp.Evaluate(`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`, &raw,
					func(p *cdpruntime.EvaluateParams) *cdpruntime.EvaluateParams { return p.WithAwaitPromise(true) })); err != nil {
				return fmt.Errorf("axe-core on %s: %w", name, err)
			}
			var s string
			var vs []axeViolation
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(s), &vs); err != nil {
				return err
			}
			for _, v := range vs {
				if v.Impact == "serious" || v.Impact == "critical" {
					t.Errorf("%s: axe-core %s violation %s (%s) at %v", name, v.Impact, v.ID, v.Help, v.Nodes)
				}
			}
			return nil
		})
	}
	if err := chromedp.Run(ctx,
		chromedp.Navigate(e.base+"/signin"),
		chromedp.WaitVisible(`#f-email`),
		chromedp.SendKeys(`#f-email`, "lots@example.org"),
		chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`button.primary`),
		chromedp.WaitVisible(`ul.tiles`),
		chromedp.SetValue(`#locale-pick`, "sv"),
		chromedp.Click(`form[action="/settings/locale"] button`),
		chromedp.WaitVisible(`html[lang="sv"]`),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	for _, path := range []string{"/guides/organisations", "/guides", "/guides/assign", "/guides/assignments", "/guides/equity"} {
		if err := chromedp.Run(ctx, chromedp.Navigate(e.base+path), chromedp.WaitVisible(`nav.subnav`, chromedp.ByQuery),
			axeCheck(path)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
}
