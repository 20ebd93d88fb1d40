package server_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestDeadLetterPagesBrowser: an operator, in Swedish, opens "Felaktiga
// händelser" from the menu, a dead letter, and replays it once its fault
// is fixed; axe-core finds no serious or critical violation on any of the
// three pages, and none shows a string of the English catalogue.
func TestDeadLetterPagesBrowser(t *testing.T) {
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("chromium is missing (%v): run make chromium", err)
	}
	axe, err := os.ReadFile(axePath(t))
	if err != nil {
		t.Fatalf("axe-core is missing (%v): run make axe", err)
	}
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
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	check := func(name string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			var html string
			if err := chromedp.OuterHTML("html", &html).Do(ctx); err != nil {
				return err
			}
			if !strings.Contains(html, `lang="sv"`) {
				t.Errorf("%s: not in Swedish", name)
			}
			noEnglish(t, name, html)
			return axeClean(t, axe, name).Do(ctx)
		})
	}
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			var html string
			_ = chromedp.Run(ctx, chromedp.OuterHTML("main", &html))
			t.Fatalf("%s: %v\npage: %s", what, err, trim(html))
		}
	}
	run("sign in and open the dead letters from the menu",
		chromedp.Navigate(e.base+"/signin"),
		chromedp.WaitVisible(`#f-email`),
		chromedp.SendKeys(`#f-email`, "drift@example.org"),
		chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`button.primary`),
		chromedp.WaitVisible(`nav a[href="/admin/deadletters"]`),
		chromedp.Click(`nav a[href="/admin/deadletters"]`),
		chromedp.WaitVisible(`table.deadletters`),
		check("felaktiga-handelser"),
	)
	run("open the dead letter",
		chromedp.Click(`a.open-deadletter`),
		chromedp.WaitVisible(`#replay`),
		check("felaktig-handelse"),
	)
	proj.fault.Store(false)
	var flash string
	run("replay it",
		chromedp.Click(`#replay`),
		chromedp.WaitVisible(`p.flash`),
		chromedp.Text(`p.flash`, &flash),
		check("skickad-igen"),
	)
	if want := "Händelse " + dl.GetId() + " skickades till mottagaren igen."; flash != want {
		t.Errorf("flash %q, want %q", flash, want)
	}
}
