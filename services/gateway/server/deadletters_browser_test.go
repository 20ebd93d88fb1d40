package server_test

import (
	"testing"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// testDeadLetterPagesBrowser: an operator, in Swedish, opens "Felaktiga
// händelser" from the menu, a dead letter, and replays it once its fault
// is fixed; axe-core finds no serious or critical violation on any of the
// three pages, and none shows a string of the English catalogue.
func testDeadLetterPagesBrowser(t *testing.T) {
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	if _, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
		Email: "drift@example.org", DisplayName: "Drift", Role: gatewayv1.Role_ROLE_OPERATOR, Locale: "sv"}, Password: password})); err != nil {
		t.Fatal(err)
	}
	org := e.createOrg("Förening", "0180")
	coord := e.coordinator(admin, "dl-browser@example.org", org, "0180")
	proj := startProjection(t, e)
	proj.fault.Store(true)
	newcomer(t, coord, org, "0180", "Zainab")
	dl := waitDeadLetter(t, e.ops(e.login("drift@example.org", password)), 1)

	b := openTab(t, tabOptions{})
	b.run("sign in and open the dead letters from the menu",
		signIn(e, "drift@example.org", `nav a[href="/admin/deadletters"]`),
		chromedp.Click(`nav a[href="/admin/deadletters"]`),
		chromedp.WaitVisible(`table.deadletters`),
		b.swedish("felaktiga-handelser", "serious"),
	)
	b.run("open the dead letter",
		chromedp.Click(`a.open-deadletter`),
		chromedp.WaitVisible(`#replay`),
		b.swedish("felaktig-handelse", "serious"),
	)
	proj.fault.Store(false)
	var flash string
	b.run("replay it",
		chromedp.Click(`#replay`),
		chromedp.WaitVisible(`p.flash`),
		chromedp.Text(`p.flash`, &flash),
		b.swedish("skickad-igen", "serious"),
	)
	if want := "Händelse " + dl.GetId() + " skickades till mottagaren igen."; flash != want {
		t.Errorf("flash %q, want %q", flash, want)
	}
}
