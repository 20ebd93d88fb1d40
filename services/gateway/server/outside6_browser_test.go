package server_test

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestMailboxOnAPhone: the admin's development mailbox fits a 375 px
// screen in Swedish. Its heading, one long word ("Utvecklingsbrevlådan"),
// pushed the page 33 px past the edge (outside round s25, ADR 0131).
func TestMailboxOnAPhone(t *testing.T) {
	e := start(t, envOptions{notify: true})
	admin := e.login(adminEmail, adminPass)
	if _, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{
		User:     &gatewayv1.User{Email: "brevlada@example.org", DisplayName: "Brevlåda", Role: gatewayv1.Role_ROLE_ADMIN, Locale: "sv"},
		Password: password})); err != nil {
		t.Fatal(err)
	}
	b := openTab(t, tabOptions{width: 375, height: 812})
	var width, scroll int
	b.run("the mailbox in Swedish",
		signIn(e, "brevlada@example.org", `nav`),
		chromedp.Navigate(e.base+"/admin/mailbox"),
		chromedp.WaitVisible(`h1`, chromedp.ByQuery),
		chromedp.Evaluate(`window.innerWidth`, &width),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &scroll),
		b.swedish("brevlada-telefon", "serious"),
	)
	if width != 375 || scroll > width {
		t.Errorf("the mailbox on a 375 px screen: width %d, page %d px", width, scroll)
	}
}
