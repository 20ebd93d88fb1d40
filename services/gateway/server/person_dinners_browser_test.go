package server_test

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// testPersonDinnersBrowser walks ADR 0275 in Chromium, in Swedish, at 375
// and 1,100 px: a coordinator opens a newcomer's page and reads their
// dinners (the sign-up, the dinner ahead, a held one with a no-show), a
// newcomer's page without dinners says so, and the held dinner's link
// opens its seating; an admin opens the sign-up's held-dinner form,
// records a dinner held eight days ago and lands on its seating, with the
// attendance form. Every page: no English, nothing wider than the screen,
// no axe-core violation of any impact.
func testPersonDinnersBrowser(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "person-browser@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	alone := dinnerGuest(t, coord, org, "0180", "Nour")
	ahead := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	offer := dinnerOffer(t, coord, host, "0180", 6, ahead).GetOffer().GetId()
	su := dinnerSignUp(t, coord, guest, "0180", ahead).GetSignUp().GetId()
	next := confirmOnlySeating(t, coord, runDinnerJob(t, coord, "person-browser-job"))
	ctx := testutil.Context(t)
	back := func(n int) string { return time.Now().AddDate(0, 0, -n).Format(time.DateOnly) }
	res, err := admin.dinners.RecordPastSeating(ctx, connect.NewRequest(&gatewayv1.RecordPastSeatingRequest{SignUpId: su, OfferId: offer, Date: back(4), StartTime: "18:00"}))
	if err != nil {
		t.Fatal(err)
	}
	held := res.Msg.GetSeating().GetSeating().GetId()
	if _, err := coord.dinners.RecordAttendance(ctx, connect.NewRequest(&gatewayv1.RecordAttendanceRequest{Id: held, Attendance: []*dinnersv1.GuestAttendance{
		{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_NO_SHOW}}})); err != nil {
		t.Fatal(err)
	}

	b := openTab(t, tabOptions{width: 375, height: 812, timeout: 180 * time.Second})
	check := func(path, ready string) {
		t.Helper()
		for _, w := range []int64{375, 1100} {
			var width, scroll int
			name := strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(path) + "-" + map[int64]string{375: "phone", 1100: "laptop"}[w]
			b.run(path, chromedp.EmulateViewport(w, 812), chromedp.Navigate(e.base+path), chromedp.WaitVisible(ready, chromedp.ByQuery),
				chromedp.Evaluate(`window.innerWidth`, &width), chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
				b.swedish(name, "minor"), b.shot("person-dinners"+name))
			if int64(width) != w || scroll > width {
				t.Errorf("%s on a %d px screen: width %d, page %d px", path, w, width, scroll)
			}
		}
	}
	b.run("sign in", signIn(e, "person-browser@example.org", `ul.tiles`), inSwedish())
	check("/participants/"+guest, `section.person-dinners`)
	var section, empty, seating string
	b.run("read the dinners", chromedp.Text(`section.person-dinners`, &section, chromedp.ByQuery))
	check("/participants/"+alone, `section.person-dinners`)
	b.run("read the empty state", chromedp.Text(`section.person-dinners`, &empty, chromedp.ByQuery))
	b.run("open the held dinner", chromedp.Navigate(e.base+"/participants/"+guest), chromedp.WaitVisible(`section.person-dinners`, chromedp.ByQuery),
		chromedp.Click(`section.person-dinners a[href^="/dinners/seatings?seating=`+held+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#seating-`+held, chromedp.ByQuery), chromedp.Text(`#seating-`+held, &seating, chromedp.ByQuery))
	check("/dinners/seatings?seating="+next, `#seating-`+next)
	flat := strings.Join(strings.Fields(section), " ")
	for _, want := range []string{"Anmälan i Stockholm", "Kost: Halal", "Kommande middagar", ahead + " 18:00 hos Karin Lindgren, Stockholm", "bekräftad",
		"Hållna middagar", back(4) + " 18:00 hos Karin Lindgren, Stockholm", "Närvaro: Person 1: Kom · Person 2: Uteblev", "ingen återkoppling än"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the newcomer's dinners lack %q: %q", want, flat)
		}
	}
	if strings.Index(flat, ahead) > strings.Index(flat, back(4)) {
		t.Errorf("the held dinner before the next one: %q", flat)
	}
	if !strings.Contains(empty, "Inga middagar") {
		t.Errorf("a newcomer without dinners: %q", empty)
	}
	if !strings.Contains(seating, "Uteblev") || !strings.Contains(seating, "Leila Haddad") {
		t.Errorf("the held dinner's link opened: %q", seating)
	}

	a := openTab(t, tabOptions{width: 375, height: 812, timeout: 180 * time.Second})
	b = a
	a.run("sign in as the admin", chromedp.Navigate(e.base+"/signin"), chromedp.WaitVisible(`#f-email`), chromedp.SendKeys(`#f-email`, adminEmail),
		chromedp.SendKeys(`#f-password`, adminPass), chromedp.Click(`button.primary`), chromedp.WaitVisible(`ul.tiles`), inSwedish())
	check("/dinners/signups/"+su+"/edit", `a[href$="/held"]`)
	check("/dinners/signups/"+su+"/held", `#f-offer_id`)
	var flash, row string
	a.run("record a dinner held eight days ago", chromedp.EmulateViewport(375, 812), chromedp.Navigate(e.base+"/dinners/signups/"+su+"/held"),
		chromedp.WaitVisible(`#f-offer_id`, chromedp.ByQuery), chromedp.SetValue(`#f-offer_id`, offer, chromedp.ByQuery),
		chromedp.SetValue(`#f-date`, back(8), chromedp.ByQuery), chromedp.Click(`form.form button.primary`, chromedp.ByQuery),
		chromedp.WaitVisible(`.flash`, chromedp.ByQuery), chromedp.Text(`.flash`, &flash, chromedp.ByQuery), chromedp.Text(`tbody tr`, &row, chromedp.ByQuery))
	if !strings.Contains(flash, "Middagen är registrerad") || !strings.Contains(row, back(8)+" 18:00") || !strings.Contains(row, "bekräftad") {
		t.Errorf("after the held form: %q / %q", flash, row)
	}
	t.Logf("dinners: %q\nempty: %q\nseating: %q\nrecorded: %q", flat, empty, seating, row)
}
