package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// testPagesNoOtherBrowserTestOpens: the browser tests ran axe-core on the
// lists, the forms to register, matching, a pair, the reports and every
// dinners and guides page, but never on a newcomer's or volunteer's own
// page, their messages and removal, the new volunteer form, a job's own
// line (mentoring, dinners, guides), mentoring's left-out list, a pair's
// messages, the error pages, the sign-in page or the admin's users and
// mailbox (outside round s29); nor the page that changes a user's e-mail
// and the audit log's help (ADR 0207), nor a dinners job's unseated
// parties (ADR 0232). Each is opened here in Swedish at 1100 px,
// free of every axe-core violation and of English; then at a phone's
// 390 px in English, fitting the screen without a serious violation. The
// error page of a list asked for a page its token does not name links to
// the list's first page, which opens.
func testPagesNoOtherBrowserTestOpens(t *testing.T) {
	e := start(t, envOptions{notify: true})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "sidor@example.org", org, "0880")
	vol := mentor(t, coord, org, "0880", "Erik")
	person := reader(t, coord, org, "0880", "Amina", "sv")
	pair := proposal(t, coord)
	if _, err := coord.matching.ApprovePair(ctx, connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: pair.GetPair().GetId()})); err != nil {
		t.Fatalf("approve: %v", err)
	}
	_, msg := mailedLink(t, admin, person)
	jobs, err := coord.matching.ListMatchingJobs(ctx, connect.NewRequest(&gatewayv1.ListMatchingJobsRequest{}))
	if err != nil || len(jobs.Msg.GetJobs()) == 0 {
		t.Fatalf("matching jobs: %v %v", jobs, err)
	}
	mjob := jobs.Msg.GetJobs()[0].GetId()
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0880", "Karin"), "0880", 4, day)
	dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0880", "Leila"), "0880", day)
	// A party with no dinner on its date, for the job's unseated page.
	dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0880", "Noor"), "0880", time.Now().AddDate(0, 0, 10).Format(time.DateOnly))
	dj := runDinnerJob(t, coord, "sidor-middag")
	if n := dj.GetCounts().GetUnseated(); n != 1 {
		t.Fatalf("dinners job left %d parties without a seat, want Noor's", n)
	}
	djob := dj.GetId()
	guideNewcomer(t, coord, org, "0880", "Omar", "ti", typev1.Gender_GENDER_MAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	var gjob string
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		if gjob == "" {
			el, err := coord.guides.ListGuideEligibility(ctx, connect.NewRequest(&gatewayv1.ListGuideEligibilityRequest{}))
			if err != nil || el.Msg.GetTotalSize() != 1 {
				return fmt.Errorf("eligibility: %d newcomers (%v), want 1", el.Msg.GetTotalSize(), err)
			}
			st, err := coord.guides.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: "sidor-lots"}))
			if err != nil {
				return err
			}
			gjob = st.Msg.GetJob().GetId()
		}
		j, err := coord.guides.GetGuideJob(ctx, connect.NewRequest(&gatewayv1.GetGuideJobRequest{Id: gjob}))
		if err != nil {
			return err
		}
		if j.Msg.GetJob().GetState() != guidesv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("guides job %v", j.Msg.GetJob().GetState())
		}
		return nil
	})

	pages := []string{
		"/participants/" + person, "/participants/" + person + "/messages", "/participants/" + person + "/remove",
		"/volunteers/new", "/volunteers/" + vol, "/volunteers/" + vol + "/messages", "/volunteers/" + vol + "/remove",
		"/matching/jobs/" + mjob, "/matching/jobs/" + mjob + "/unmatched", "/matching/waiting", "/matching/pairs/" + pair.GetPair().GetId() + "/messages",
		"/dinners/jobs/" + djob, "/dinners/jobs/" + djob + "/unseated", "/guides/jobs/" + gjob, "/nosuchpage", "/participants/01a2437f-ffff-7fff-bfff-ffffffffffff",
	}
	left := "/guides/jobs/" + gjob + "/unassigned"
	b := openTab(t, tabOptions{timeout: 300 * time.Second})
	b.run("the sign-in page", chromedp.Navigate(e.base+"/signin"), chromedp.WaitVisible(`#f-email`), b.spotless("/signin"))
	b.run("sign in", signIn(e, "sidor@example.org", `ul.tiles`), inSwedish())
	for _, path := range pages {
		b.run(path, chromedp.Navigate(e.base+path), chromedp.WaitVisible(`main`, chromedp.ByQuery), b.swedish(path, "minor"))
	}
	var first string
	b.run("a page token the list never gave", chromedp.Navigate(e.base+left+"?page_token=garbage"), chromedp.WaitVisible(`main`, chromedp.ByQuery),
		b.swedish(left+"?page_token=garbage", "minor"),
		chromedp.Evaluate(`[...document.querySelectorAll("main a")].filter(a => a.textContent == "Till listans första sida").map(a => a.getAttribute("href")).join(" ")`, &first))
	if first != left {
		t.Fatalf("the error page's link to the first page is %q, want %q", first, left)
	}
	b.run("to the first page", chromedp.Click(`//a[text()="Till listans första sida"]`, chromedp.BySearch), chromedp.WaitVisible(`table.unmatched`, chromedp.ByQuery))

	// The admin's pages of their own.
	b.run("sign in as the admin", chromedp.Navigate(e.base+"/signin"), chromedp.WaitVisible(`form[action="/signout"] button`, chromedp.ByQuery),
		chromedp.Click(`form[action="/signout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`#f-email`),
		// A fresh sign-in page: the one the sign-out leads to focuses its
		// "Du är utloggad." (autofocus) once loaded, which can scroll the
		// page under a click already aimed at the button (CI, session 48:
		// the click missed and the sign-out page stayed).
		chromedp.Navigate(e.base+"/signin"), chromedp.WaitVisible(`#f-email`),
		chromedp.SendKeys(`#f-email`, adminEmail), chromedp.SendKeys(`#f-password`, adminPass), chromedp.Click(`button.primary`),
		chromedp.WaitVisible(`//span[@class="who" and text()="Admin"]`, chromedp.BySearch), inSwedish())
	cme, err := coord.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/admin/users", "/admin/users/" + cme.Msg.GetUser().GetId() + "/email", "/admin/audit",
		"/admin/mailbox", "/admin/mailbox/" + msg.GetId(), "/participants/new", "/volunteers/new"} {
		b.run(path, chromedp.Navigate(e.base+path), chromedp.WaitVisible(`main`, chromedp.ByQuery), b.swedish(path, "minor"))
	}
	// The admin's volunteer form picks the organisation by its name, typed
	// into the picker as a keyboard user does (ADR 0254: it was an id
	// typed into a text field).
	var orgName string
	b.run("an admin registers a volunteer, the organisation chosen by name", chromedp.Navigate(e.base+"/volunteers/new"),
		chromedp.WaitVisible(`#f-organisation_id`), chromedp.SendKeys(`#f-given_name`, "Sara"),
		chromedp.Focus(`#f-organisation_id`), chromedp.KeyEvent("Förening"),
		chromedp.Evaluate(`document.querySelector("#f-organisation_id").selectedOptions[0].textContent`, &orgName),
		chromedp.Focus(`#f-municipality_code`), chromedp.KeyEvent("Kalmar"),
		chromedp.Click(`form.form button.primary`), chromedp.WaitVisible(`p.flash`))
	if orgName != "Förening" {
		t.Errorf("the picker chose %q after typing the organisation's name", orgName)
	}

	// The coordinator's pages on a phone, in English.
	phone := openTab(t, tabOptions{width: 390, height: 844, timeout: 180 * time.Second})
	phone.run("sign in on a phone", signIn(e, "sidor@example.org", `nav`), chromedp.SetValue(`#locale-pick`, "en"),
		chromedp.Click(`form[action="/settings/locale"] button`), chromedp.WaitVisible(`html[lang="en"]`))
	for _, path := range append(pages, left+"?page_token=garbage") {
		var width, scroll int
		var text string
		phone.run(path+" at 390 px", chromedp.Navigate(e.base+path), chromedp.WaitVisible(`main`, chromedp.ByQuery),
			chromedp.Evaluate(`window.innerWidth`, &width), chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
			chromedp.Evaluate(`document.body.innerText`, &text), phone.accessible(path+" at 390 px"))
		if scroll > width {
			t.Errorf("%s on a %d px screen: the page is %d px wide", path, width, scroll)
		}
		if strings.Contains(text, "invalid request") {
			t.Errorf("%s in English shows the services' code words %q", path, "invalid request")
		}
	}
}
