package server_test

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// testAuditOnAPhone: the audit log fits a 375 px screen. Each entry shows
// the user's and the record's ids in a monospace font, which never broke:
// a mailbox message's 41-character id pushed the page 36 px past the edge
// (outside round s26, ADR 0137).
func testAuditOnAPhone(t *testing.T) {
	e := start(t, envOptions{notify: true})
	fitsAPhone(t, e, "granskning@example.org", "granskning-telefon",
		// A look at a mailbox message is audited with its id, found or not.
		chromedp.Navigate(e.base+"/admin/mailbox/m46e74f4fe26185e8af25f9bb965c83e5dc851e04"),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		chromedp.Navigate(e.base+"/admin/audit"),
		chromedp.WaitVisible(`table code`, chromedp.ByQuery),
	)
}

// fitsAPhone signs a new Swedish admin, email, in on a 375 px screen, runs
// actions (which end on the page to check) and fails t when that page is
// wider than the screen, not in Swedish, or has a serious axe-core
// violation (the screenshot is called name).
func fitsAPhone(t *testing.T, e *env, email, name string, actions ...chromedp.Action) {
	t.Helper()
	admin := e.login(adminEmail, adminPass)
	if _, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{
		User:     &gatewayv1.User{Email: email, DisplayName: "Admin", Role: gatewayv1.Role_ROLE_ADMIN, Locale: "sv"},
		Password: password})); err != nil {
		t.Fatal(err)
	}
	b := openTab(t, tabOptions{width: 375, height: 812})
	var width, scroll int
	b.run(name, append(append(chromedp.Tasks{signIn(e, email, `nav`)}, actions...),
		chromedp.Evaluate(`window.innerWidth`, &width),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
		b.swedish(name, "serious"),
	)...)
	if width != 375 || scroll > width {
		t.Errorf("%s on a 375 px screen: width %d, page %d px", name, width, scroll)
	}
}
