package server_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// testFocusAfterActionBrowser: after a form's post redirected to the page
// that says what was done, keyboard focus was at the top of the page, and
// a screen reader started from the header, not from the outcome (ADR
// 0236). The flash now takes the focus: on the users page after a user is
// disabled (autofocus), and on the matching page the redirect of an
// approval leads to (/matching?done=approve&seal=...#flash), whose
// fragment, the proposals' before, took the focus from the flash. axe-core
// stays clean on both. The approval is the row's plain form, sent without
// htmx (form.submit()), as without script: a flash shows only after the
// session's own post (ADR 0246), so the address alone no longer shows one.
func testFocusAfterActionBrowser(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	if _, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
		Email: "fokus@example.org", DisplayName: "Fokus", Role: gatewayv1.Role_ROLE_ADMIN, Locale: "sv"}, Password: password})); err != nil {
		t.Fatal(err)
	}
	org := e.createOrg("Förening", "0880")
	e.coordinator(admin, "kim@example.org", org, "0880")
	if _, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
		Email: "fokuskoord@example.org", DisplayName: "Fokuskoord", Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: org,
		MunicipalityCodes: []string{"0880"}, Locale: "sv"}, Password: password})); err != nil {
		t.Fatal(err)
	}
	coord := e.login("fokuskoord@example.org", password)
	mentor(t, coord, org, "0880", "Erik")
	newcomer(t, coord, org, "0880", "Amina")
	pair := proposal(t, coord).GetPair().GetId()
	users, err := admin.users.ListUsers(testutil.Context(t), connect.NewRequest(&gatewayv1.ListUsersRequest{PageSize: 50}))
	if err != nil {
		t.Fatal(err)
	}
	var kim string
	for _, u := range users.Msg.GetUsers() {
		if u.GetEmail() == "kim@example.org" {
			kim = u.GetId()
		}
	}
	focused := func(what string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var id string
			if err := chromedp.Evaluate(`document.activeElement ? document.activeElement.id : ""`, &id).Do(ctx); err != nil {
				return err
			}
			if id != "flash" {
				t.Errorf("%s: focus on %q, want the flash", what, id)
			}
			return nil
		})
	}
	b := openTab(t, tabOptions{})
	b.run("disable a user from the users page",
		signIn(e, "fokus@example.org", `nav a[href="/admin/users"]`),
		chromedp.Navigate(e.base+"/admin/users"),
		chromedp.WaitVisible(`table`, chromedp.ByQuery),
		chromedp.Click(`form[action="/admin/users/`+kim+`/disable"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`p.flash`, chromedp.ByQuery),
		focused("the users page after disabling"),
		b.swedish("anvandare-sparrad", "serious"),
	)
	b.run("sign in as the coordinator",
		chromedp.Click(`form[action="/signout"] button`, chromedp.ByQuery), chromedp.WaitVisible(`#f-email`),
		signIn(e, "fokuskoord@example.org", `form[action="/signout"]`))
	b.run("the matching page an approval goes back to",
		chromedp.Navigate(e.base+"/matching"),
		chromedp.WaitVisible(`#pair-`+pair+` form[action$="/approve"] button`, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#pair-`+pair+` form[action$="/approve"]').submit()`, nil),
		chromedp.WaitVisible(`p.flash`, chromedp.ByQuery),
		focused("the matching page after an approval"),
		b.swedish("matchning-godkant", "serious"),
	)
}
