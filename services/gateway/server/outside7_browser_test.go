package server_test

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAuditOnAPhone: the audit log fits a 375 px screen. Each entry shows
// the user's and the record's ids (UUIDs, 36 characters in a monospace
// font, which never broke): a mailbox message's 41-character id pushed the
// page 36 px past the edge (outside round s26, ADR 0137).
func TestAuditOnAPhone(t *testing.T) {
	e := start(t, envOptions{notify: true})
	admin := e.login(adminEmail, adminPass)
	// The admin who looks: her creation is audited with her id.
	if _, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{
		User:     &gatewayv1.User{Email: "granskning@example.org", DisplayName: "Granskning", Role: gatewayv1.Role_ROLE_ADMIN, Locale: "sv"},
		Password: password})); err != nil {
		t.Fatal(err)
	}
	b := openTab(t, tabOptions{width: 375, height: 812})
	var width, scroll int
	b.run("the audit log on a phone",
		signIn(e, "granskning@example.org", `nav`),
		// A look at a mailbox message is audited with its id, found or not.
		chromedp.Navigate(e.base+"/admin/mailbox/m46e74f4fe26185e8af25f9bb965c83e5dc851e04"),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		chromedp.Navigate(e.base+"/admin/audit"),
		chromedp.WaitVisible(`table code`, chromedp.ByQuery),
		chromedp.Evaluate(`window.innerWidth`, &width),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
		b.swedish("granskning-telefon", "serious"),
	)
	if width != 375 || scroll > width {
		t.Errorf("the audit log on a 375 px screen: width %d, page %d px", width, scroll)
	}
}
