package server_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// testDinnerPagesBrowser opens the dinner pages this area changed in
// headless Chromium, in Swedish: the sign-ups and offers with their edit
// links, both edit forms (filled in, then with a message by a field after
// a bad value) and the report with its reasons; then every other dinner
// page: matching with a proposal to review, the new offer and sign-up
// forms, the seatings with a confirmed one, the waitlist and the report
// with its groups. axe-core finds no violation of any impact on any of
// them (minor ones included: testers found an empty table header on three),
// and the later pages show no English.
func testDinnerPagesBrowser(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "middag@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	o := dinnerOffer(t, coord, host, "0180", 4, day)
	su := dinnerSignUp(t, coord, guest, "0180", day)

	b := openTab(t, tabOptions{timeout: 120 * time.Second})

	edit := e.base + "/dinners/signups/" + su.GetSignUp().GetId() + "/edit"
	var postcodeError, seatsError string
	b.run("the pages this area changed",
		signIn(e, "middag@example.org", `ul.tiles`),
		inSwedish(),
		chromedp.Navigate(e.base+"/dinners/signups"), chromedp.WaitVisible(`table`, chromedp.ByQuery),
		b.spotless("dinners-signups"),
		chromedp.Navigate(edit), chromedp.WaitVisible(`#f-postcode`),
		b.spotless("dinners-signup-edit"),
		chromedp.SetValue(`#f-postcode`, "123"),
		chromedp.Submit(`#f-postcode`),
		chromedp.WaitVisible(`#e-postcode`),
		chromedp.Text(`#e-postcode`, &postcodeError),
		b.spotless("dinners-signup-edit-error"),
		chromedp.Navigate(e.base+"/dinners/offers"), chromedp.WaitVisible(`table`, chromedp.ByQuery),
		b.spotless("dinners-offers"),
		chromedp.Navigate(e.base+"/dinners/offers/"+o.GetOffer().GetId()+"/edit"), chromedp.WaitVisible(`#f-seats`),
		b.spotless("dinners-offer-edit"),
		chromedp.SetValue(`#f-seats`, "2"),
		chromedp.Submit(`#f-seats`),
		chromedp.WaitVisible(`#e-seats`),
		chromedp.Text(`#e-seats`, &seatsError),
		b.spotless("dinners-offer-edit-error"),
		chromedp.Navigate(e.base+"/dinners/report"), chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		b.spotless("dinners-report"),
	)
	// The pages a coordinator follows a seating on, with a proposal to
	// review, then with the seating confirmed: no English, axe-clean.
	page := func(path, ready string) chromedp.Action {
		return chromedp.Tasks{chromedp.Navigate(e.base + path), chromedp.WaitVisible(ready, chromedp.ByQuery), b.swedish(path, "minor")}
	}
	job := runDinnerJob(t, coord, "browser-job")
	b.run("matching and the new forms", page("/dinners", `ul.why`), page("/dinners/offers/new", `#f-seats`),
		page("/dinners/signups/new", `#f-postcode`))
	confirmOnlySeating(t, coord, job)
	b.run("the confirmed seating's pages", page("/dinners/seatings", `table`), page("/dinners/waitlist", `h1`),
		page("/dinners/report", `table`))
	if postcodeError != "måste vara fem siffror" {
		t.Errorf("the postcode's message: got %q", postcodeError)
	}
	if seatsError != "antalet platser kan bara öka; ställ in ett datum eller lägg in ett nytt erbjudande" {
		t.Errorf("the seats' message: got %q", seatsError)
	}
}
