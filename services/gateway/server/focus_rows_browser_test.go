package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// testFocusAfterRowActionBrowser: approving or rejecting a proposal with
// script swaps its row for one that says what was done, and the button
// that had the keyboard's focus went with the old row: focus fell to the
// page's body, and the next Tab started from the top of the page (outside
// round s43; ADR 0236 left it). The row's message now takes the focus
// (htmx focuses the swapped content's autofocus), on mentoring's
// proposals (approve, then reject with a reason) and dinners' seatings,
// all by keyboard; axe-core stays clean on the rows' page.
func testFocusAfterRowActionBrowser(t *testing.T) {
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	coord := e.coordinator(admin, "radfokus@example.org", org, "0180")
	newcomer(t, coord, org, "0180", "Amina")
	newcomer(t, coord, org, "0180", "Bashir")
	mentor(t, coord, org, "0180", "Karin")
	mentor(t, coord, org, "0180", "Lars")
	var pairs []string
	var job string
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		j, err := finishedJob(t, coord, "radfokus-")
		if err != nil {
			return err
		}
		ps, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: j.GetId()}))
		if err != nil || len(ps.Msg.GetPairs()) != 2 {
			return fmt.Errorf("job %s: %d proposals, %v", j.GetId(), len(ps.Msg.GetPairs()), err)
		}
		pairs, job = []string{ps.Msg.GetPairs()[0].GetPair().GetId(), ps.Msg.GetPairs()[1].GetPair().GetId()}, j.GetId()
		return nil
	})
	host := dinnerHost(t, coord, org, "0180", "Sven")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, host, "0180", 4, day)
	dinnerSignUp(t, coord, guest, "0180", day)
	djob := runDinnerJob(t, coord, "radfokus-middag")
	seats, err := coord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: djob.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) != 1 {
		t.Fatalf("the dinners job's seatings: %v %v", seats, err)
	}
	seating := seats.Msg.GetSeatings()[0].GetSeating().GetId()

	// onRowMessage fails the test unless the focus comes to the row's
	// message: htmx moves it once the swap has settled (its settle delay
	// after the new row shows), so it is polled for, up to 5 s.
	onRowMessage := func(row, what string) chromedp.Action {
		const where = `(function(){var a=document.activeElement;
			if(!a||a===document.body) return "the page's body";
			var r=a.closest("tr"); return (r?r.id:"outside a row")+" "+a.tagName.toLowerCase()+"."+a.className;})()`
		want := row + " span.row-done"
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var at string
			err := chromedp.Poll(where+` === "`+want+`"`, nil, chromedp.WithPollingTimeout(5*time.Second)).Do(ctx)
			if err == nil {
				return nil
			}
			if err := chromedp.Evaluate(where, &at).Do(ctx); err != nil {
				return err
			}
			t.Errorf("%s: focus on %s, want %s, the row's message", what, at, want)
			return nil
		})
	}
	pressed := func(button string) chromedp.Action {
		return chromedp.Tasks{chromedp.Focus(button, chromedp.ByQuery), chromedp.KeyEvent(kb.Enter)}
	}
	first, second := "#pair-"+pairs[0], "#pair-"+pairs[1]
	b := openTab(t, tabOptions{timeout: 120 * time.Second})
	b.run("sign in", signIn(e, "radfokus@example.org", `form[action="/signout"]`))
	b.run("approve by keyboard",
		chromedp.Navigate(e.base+"/matching?job="+job), chromedp.WaitVisible(first+` form[action$="/approve"] button`, chromedp.ByQuery),
		pressed(first+` form[action$="/approve"] button`),
		chromedp.WaitVisible(first+` span[role=status]`, chromedp.ByQuery),
		onRowMessage("pair-"+pairs[0], "after approving a proposal"),
	)
	b.run("reject by keyboard",
		chromedp.SetValue(second+` select[name="reason"]`, "REJECT_REASON_POOR_FIT", chromedp.ByQuery),
		pressed(second+` form[action$="/reject"] button`),
		chromedp.WaitVisible(second+` span[role=status]`, chromedp.ByQuery),
		onRowMessage("pair-"+pairs[1], "after rejecting a proposal"),
		b.spotless("the proposals after approving and rejecting"),
	)
	row := "#seating-" + seating
	b.run("a seating approved by keyboard",
		chromedp.Navigate(e.base+"/dinners?job="+djob.GetId()), chromedp.WaitVisible(row+` form[action$="/approve"] button`, chromedp.ByQuery),
		pressed(row+` form[action$="/approve"] button`),
		chromedp.WaitVisible(row+` span[role=status]`, chromedp.ByQuery),
		onRowMessage("seating-"+seating, "after approving a seating"),
	)
}
