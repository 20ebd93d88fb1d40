package server_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestDinnerPagesBrowser opens the dinner pages this area changed in
// headless Chromium, in Swedish: the sign-ups and offers with their edit
// links, both edit forms (filled in, then with a message by a field after
// a bad value) and the report with its reasons; then every other dinner
// page: matching with a proposal to review, the new offer and sign-up
// forms, the seatings with a confirmed one, the waitlist and the report
// with its groups. axe-core finds no violation of any impact on any of
// them (minor ones included: testers found an empty table header on three),
// and the later pages show no English.
func TestDinnerPagesBrowser(t *testing.T) {
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("chromium is missing (%v): run make chromium", err)
	}
	axe, err := os.ReadFile(axePath(t))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run make axe", err)
	}
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "middag@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	o := dinnerOffer(t, coord, host, "0180", 4, day)
	su := dinnerSignUp(t, coord, guest, "0180", day)

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
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	defer cancelT()

	edit := e.base + "/dinners/signups/" + su.GetSignUp().GetId() + "/edit"
	var postcodeError, seatsError string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(e.base+"/signin"),
		chromedp.WaitVisible(`#f-email`),
		chromedp.SendKeys(`#f-email`, "middag@example.org"),
		chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`button.primary`),
		chromedp.WaitVisible(`ul.tiles`),
		chromedp.SetValue(`#locale-pick`, "sv"),
		chromedp.Click(`form[action="/settings/locale"] button`),
		chromedp.WaitVisible(`html[lang="sv"]`),
		chromedp.Navigate(e.base+"/dinners/signups"), chromedp.WaitVisible(`table`, chromedp.ByQuery),
		axeSpotless(t, axe, "dinners-signups"),
		chromedp.Navigate(edit), chromedp.WaitVisible(`#f-postcode`),
		axeSpotless(t, axe, "dinners-signup-edit"),
		chromedp.SetValue(`#f-postcode`, "123"),
		chromedp.Submit(`#f-postcode`),
		chromedp.WaitVisible(`#e-postcode`),
		chromedp.Text(`#e-postcode`, &postcodeError),
		axeSpotless(t, axe, "dinners-signup-edit-error"),
		chromedp.Navigate(e.base+"/dinners/offers"), chromedp.WaitVisible(`table`, chromedp.ByQuery),
		axeSpotless(t, axe, "dinners-offers"),
		chromedp.Navigate(e.base+"/dinners/offers/"+o.GetOffer().GetId()+"/edit"), chromedp.WaitVisible(`#f-seats`),
		axeSpotless(t, axe, "dinners-offer-edit"),
		chromedp.SetValue(`#f-seats`, "2"),
		chromedp.Submit(`#f-seats`),
		chromedp.WaitVisible(`#e-seats`),
		chromedp.Text(`#e-seats`, &seatsError),
		axeSpotless(t, axe, "dinners-offer-edit-error"),
		chromedp.Navigate(e.base+"/dinners/report"), chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		axeSpotless(t, axe, "dinners-report"),
	); err != nil {
		t.Fatal(err)
	}
	// The pages a coordinator follows a seating on, with a proposal to
	// review, then with the seating confirmed: no English, axe-clean.
	page := func(path, ready string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var html string
			if err := chromedp.Run(ctx, chromedp.Navigate(e.base+path), chromedp.WaitVisible(ready, chromedp.ByQuery),
				chromedp.OuterHTML(`html`, &html, chromedp.ByQuery)); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			if !strings.Contains(html, `<html lang="sv"`) {
				t.Errorf("%s: not in Swedish", path)
			}
			noEnglish(t, path, html)
			return axeCheckFrom(ctx, t, axe, path, "minor")
		})
	}
	job := runDinnerJob(t, coord, "browser-job")
	if err := chromedp.Run(ctx, page("/dinners", `ul.why`), page("/dinners/offers/new", `#f-seats`),
		page("/dinners/signups/new", `#f-postcode`)); err != nil {
		t.Fatal(err)
	}
	rpc := testutil.Context(t)
	seats, err := coord.dinners.ListSeatings(rpc, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: job.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) != 1 {
		t.Fatalf("the job's seatings: %v %v", seats, err)
	}
	id := seats.Msg.GetSeatings()[0].GetSeating().GetId()
	if _, err := coord.dinners.ApproveSeating(rpc, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: id})); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := coord.dinners.RecordRsvp(rpc, connect.NewRequest(&gatewayv1.RecordRsvpRequest{Id: id, Party: party, Accept: true})); err != nil {
			t.Fatal(err)
		}
	}
	if err := chromedp.Run(ctx, page("/dinners/seatings", `table`), page("/dinners/waitlist", `h1`),
		page("/dinners/report", `table`)); err != nil {
		t.Fatal(err)
	}
	if postcodeError != "måste vara fem siffror" {
		t.Errorf("the postcode's message: got %q", postcodeError)
	}
	if seatsError != "antalet platser kan bara öka; ställ in ett datum eller lägg in ett nytt erbjudande" {
		t.Errorf("the seats' message: got %q", seatsError)
	}
}
