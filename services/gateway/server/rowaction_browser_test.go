package server_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// testExpiredRowActionBrowser is TestExpiredRowActionGoesBackToItsJob in
// Chromium, where the approve is htmx's post from the proposal's row on
// a job's page and the sign-in page comes by HX-Redirect: after the
// session ended, the click opens the sign-in page saying the action was
// not saved; signing in again opens the job's page with the proposal
// still to approve, which the coordinator then approves (ADR 0188, 0192).
func testExpiredRowActionBrowser(t *testing.T) {
	clk := &clock{}
	e := start(t, envOptions{clock: clk})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	coord := e.coordinator(admin, "radwebb@example.org", org, "0180")
	newcomer(t, coord, org, "0180", "Amina")
	mentor(t, coord, org, "0180", "Karin")
	var pair, job string
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		j, err := finishedJob(t, coord, "radwebb-")
		if err != nil {
			return err
		}
		ps, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: j.GetId()}))
		if err != nil || len(ps.Msg.GetPairs()) != 1 {
			return fmt.Errorf("job %s: %d proposals, %v", j.GetId(), len(ps.Msg.GetPairs()), err)
		}
		pair, job = ps.Msg.GetPairs()[0].GetPair().GetId(), j.GetId()
		return nil
	})
	approve := `#pair-` + pair + ` form[action$="/approve"] button`
	b := openTab(t, tabOptions{})
	b.run("sign in", signIn(e, "radwebb@example.org", `form[action="/signout"]`))
	b.run("the job's proposals", chromedp.Navigate(e.base+"/matching?job="+job), chromedp.WaitVisible(approve, chromedp.ByQuery))
	clk.Advance(9 * time.Hour)
	var where, flash string
	b.run("approve after the session ended", chromedp.Click(approve, chromedp.ByQuery), chromedp.WaitVisible(`#f-password`, chromedp.ByQuery),
		chromedp.Location(&where), chromedp.Text(`.flash`, &flash, chromedp.ByQuery))
	u, err := url.Parse(where)
	if err != nil || u.Path != "/signin" || u.Query().Get("next") != "/matching?job="+job || !strings.Contains(flash, "not saved") {
		t.Errorf("the expired approve went to %s saying %q, want the sign-in page going back to the job, saying it was not saved", where, flash)
	}
	clk.Advance(21 * time.Second)
	b.run("sign in again", chromedp.SendKeys(`#f-email`, "radwebb@example.org"), chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`button.primary`), chromedp.WaitVisible(approve, chromedp.ByQuery), chromedp.Location(&where))
	if where != e.base+"/matching?job="+job {
		t.Errorf("after signing in again: %s, want the job's page", where)
	}
	b.run("the job's page after signing in", b.spotless("the job's page after signing in again"))
	b.run("approve now", chromedp.Click(approve, chromedp.ByQuery), chromedp.WaitNotPresent(approve, chromedp.ByQuery))
	testutil.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		pv, err := coord.matching.GetPair(ctx, connect.NewRequest(&gatewayv1.GetPairRequest{Id: pair}))
		if err != nil {
			return err
		}
		if s := pv.Msg.GetPair().GetPair().GetStatus().String(); s == "PAIR_STATUS_PROPOSED" {
			return fmt.Errorf("the pair is %s", s)
		}
		return nil
	})
}
