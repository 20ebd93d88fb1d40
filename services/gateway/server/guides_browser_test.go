package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestGuidePagesAccessible opens every guide page in a browser in Swedish
// as the guides coordinator, the guide organisations page included, and
// runs axe-core on each: no serious or critical violation; then again with
// a job's explained proposals, an assignment taken up and equity with a
// group that has a guide, checking for English too.
func TestGuidePagesAccessible(t *testing.T) {
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("chromium is missing (%v): run make chromium", err)
	}
	axe, err := os.ReadFile(axePath(t))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run make axe", err)
	}
	e := start(t, envOptions{})
	s := setupGuides(t, e)
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

	// The same pages with a job's proposals to review (their explanations),
	// one assignment taken up and its actions, and equity with a group
	// that has a guide: axe-clean, in Swedish, no English.
	rpc := testutil.Context(t)
	c := s.coord.guides
	start, err := c.StartGuideJob(rpc, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: "browser-guides"}))
	if err != nil {
		t.Fatal(err)
	}
	var props *gatewayv1.ListGuideAssignmentsResponse
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		r, err := c.ListGuideAssignments(rpc, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{JobId: start.Msg.GetJob().GetId(),
			Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED}}))
		if err != nil {
			return err
		}
		if len(r.Msg.GetAssignments()) < 2 {
			return fmt.Errorf("%d proposals", len(r.Msg.GetAssignments()))
		}
		props = r.Msg
		return nil
	})
	id := props.GetAssignments()[0].GetAssignment().GetId()
	if _, err := c.ApproveGuideAssignment(rpc, connect.NewRequest(&gatewayv1.ApproveGuideAssignmentRequest{Id: id})); err != nil {
		t.Fatal(err)
	}
	for _, p := range []guidesv1.AcceptingParty{guidesv1.AcceptingParty_ACCEPTING_PARTY_NEWCOMER, guidesv1.AcceptingParty_ACCEPTING_PARTY_ORGANISATION} {
		if _, err := c.AcceptGuideAssignment(rpc, connect.NewRequest(&gatewayv1.AcceptGuideAssignmentRequest{Id: id, Party: p})); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{"/guides/assign", "/guides/assignments", "/guides/equity?min_group=3", "/guides/organisations"} {
		var html string
		if err := chromedp.Run(ctx, chromedp.Navigate(e.base+path), chromedp.WaitVisible(`table`, chromedp.ByQuery),
			chromedp.OuterHTML(`html`, &html, chromedp.ByQuery), axeCheck(path)); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !strings.Contains(html, `<html lang="sv"`) {
			t.Errorf("%s: not in Swedish", path)
		}
		noEnglish(t, path, html)
		// The service explains in English; the page in Swedish words.
		if path == "/guides/assign" && (!strings.Contains(html, "lotsning på ett språk den nyanlända talar (arabiska)") || strings.Contains(html, "the newcomer speaks")) {
			t.Errorf("%s: the explanation is not in Swedish", path)
		}
	}
}
