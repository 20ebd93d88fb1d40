package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// testDinnerFormsRefuseInWords: the new dinner offer and sign-up forms
// with wrong input on a 375 px screen, as a keyboard user sends them
// (outside round s32, ADR 0178). They had no novalidate, so Chromium
// refused 0 seats or an age of 200 itself with a bubble in its own
// language, nothing reached the app and no message stood at the field;
// and the app's messages on those forms were tied to no control (no
// aria-describedby, no aria-invalid), where the newcomer and volunteer
// forms tie every one. A 300-letter word in a refused newcomer's
// languages, echoed in the message, pushed the page 3,000 px wide.
// Now each form comes back from the app with its summary, every control
// named in it is tied to its message, the typed values stay, nothing is
// stored and the page fits the screen.
func testDinnerFormsRefuseInWords(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "formord@example.org", org, "0180")
	dinnerHost(t, coord, org, "0180", "Karin")
	dinnerGuest(t, coord, org, "0180", "Leila")
	b := openTab(t, tabOptions{width: 375, height: 812, timeout: 120 * time.Second})
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	long := strings.Repeat("Å", 300)

	// refused submits the form of the page shown with Enter in field
	// (a keyboard user's way) and checks the page the app answers with.
	refused := func(name, field string, kept map[string]string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			// A form the browser refuses itself never loads a page: wait
			// a while, not the whole test's time.
			wait, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			if err := chromedp.Run(wait, chromedp.Focus(field, chromedp.ByQuery), chromedp.KeyEvent(kb.Enter),
				chromedp.WaitVisible(`#error-summary`, chromedp.ByQuery)); err != nil {
				return fmt.Errorf("%s: no summary from the app (the browser refused the form itself?): %w", name, err)
			}
			var untied []string
			var width, scroll int
			if err := chromedp.Run(ctx,
				// Every control the summary links to, or that sits in a
				// field marked invalid, names a message that exists.
				chromedp.Evaluate(`Array.from(document.querySelectorAll('.field.invalid input, .field.invalid select, #error-summary a')).map(x => x.tagName === 'A' ? document.querySelector(x.getAttribute('href')) : x).filter(c => c && !(c.getAttribute('aria-describedby')||'').split(' ').some(id => id.startsWith('e-') && document.getElementById(id) && document.getElementById(id).innerText.trim())).map(c => c.id)`, &untied),
				chromedp.Evaluate(`window.innerWidth`, &width),
				chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll)); err != nil {
				return err
			}
			if len(untied) > 0 {
				t.Errorf("%s: controls not tied to their message: %v", name, untied)
			}
			if scroll > width {
				t.Errorf("%s: the page is %d px wide on a %d px screen", name, scroll, width)
			}
			for sel, want := range kept {
				var got string
				if err := chromedp.Run(ctx, chromedp.Value(sel, &got, chromedp.ByQuery)); err != nil {
					return err
				}
				if got != want {
					t.Errorf("%s: %s is %q after the refusal, typed %q", name, sel, got, want)
				}
			}
			return axeCheckFrom(ctx, t, b.axe, name, "minor")
		})
	}
	b.run("the new offer, the new sign-up and a newcomer, refused",
		signIn(e, "formord@example.org", `ul.tiles`),
		inSwedish(),
		chromedp.Navigate(e.base+"/dinners/offers/new"), chromedp.WaitVisible(`#f-seats`),
		chromedp.SetValue(`#f-seats`, "0", chromedp.ByQuery),
		chromedp.SetValue(`#f-date-0`, yesterday, chromedp.ByQuery),
		chromedp.SetValue(`#f-postcode`, "ABCDE", chromedp.ByQuery),
		refused("offer", `#f-postcode`, map[string]string{"#f-seats": "0", "#f-date-0": yesterday, "#f-postcode": "ABCDE"}),
		chromedp.Navigate(e.base+"/dinners/signups/new"), chromedp.WaitVisible(`#f-age_self`),
		chromedp.SetValue(`#f-age_self`, "200", chromedp.ByQuery),
		chromedp.SetValue(`#f-postcode`, "1", chromedp.ByQuery),
		refused("sign-up", `#f-postcode`, map[string]string{"#f-age_self": "200", "#f-postcode": "1"}),
		chromedp.Navigate(e.base+"/participants/new"), chromedp.WaitVisible(`#f-languages`),
		chromedp.SendKeys(`#f-given_name`, "Lång", chromedp.ByQuery),
		chromedp.SetValue(`#f-languages`, long, chromedp.ByQuery),
		chromedp.SetValue(`#f-household_size`, "21", chromedp.ByQuery),
		refused("newcomer", `#f-given_name`, map[string]string{"#f-languages": long, "#f-household_size": "21"}),
	)
	var ids []string
	b.run("the messages at the seats and the age",
		chromedp.Navigate(e.base+"/dinners/offers/new"), chromedp.WaitVisible(`#f-seats`),
		chromedp.SetValue(`#f-seats`, "0", chromedp.ByQuery),
		chromedp.Submit(`#f-seats`, chromedp.ByQuery), chromedp.WaitVisible(`#e-seats`, chromedp.ByQuery),
		chromedp.Evaluate(`[document.querySelector('#f-seats').getAttribute('aria-describedby'), document.querySelector('#f-seats').getAttribute('aria-invalid')]`, &ids))
	if len(ids) != 2 || ids[0] != "e-seats" || ids[1] != "true" {
		t.Errorf("0 seats: the field says %v, want [e-seats true]", ids)
	}
	ctx := testutil.Context(t)
	offers, err := coord.dinners.ListDinnerOffers(ctx, connect.NewRequest(&gatewayv1.ListDinnerOffersRequest{PageSize: 10}))
	if err != nil || len(offers.Msg.GetOffers()) != 0 {
		t.Errorf("offers after the refusals: %v %v, want none", offers, err)
	}
	signUps, err := coord.dinners.ListDinnerSignUps(ctx, connect.NewRequest(&gatewayv1.ListDinnerSignUpsRequest{PageSize: 10}))
	if err != nil || len(signUps.Msg.GetSignUps()) != 0 {
		t.Errorf("sign-ups after the refusals: %v %v, want none", signUps, err)
	}
}
