package server_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
)

// testConsentTextBrowser: in headless Chromium, choosing the newcomer's
// message language on the registration form moves each consent box's link
// to the text in that language (the one the consent will record), or to
// Swedish for a language the text lacks; the Arabic text page lays out
// right to left; axe-core finds no serious or critical violation on
// either page.
func testConsentTextBrowser(t *testing.T) {
	e := start(t, envOptions{})
	swedishCoordinator(t, e, "samtycke@example.org")
	b := openTab(t, tabOptions{})
	choose := func(lang string) chromedp.Action {
		return chromedp.Evaluate(`(function(){var s=document.getElementById("f-notify_language");s.value="`+lang+
			`";s.dispatchEvent(new Event("change"));})()`, nil)
	}
	var href, name string
	links := func() chromedp.Action {
		return chromedp.ActionFunc(func(ctx context.Context) error {
			if err := chromedp.AttributeValue(`a.consent-text`, "href", &href, nil).Do(ctx); err != nil {
				return err
			}
			return chromedp.Text(`.consent-lang`, &name).Do(ctx)
		})
	}
	cur := consent.Texts().Current(cpMentoring)
	b.run("sign in and open the registration form",
		signIn(e, "samtycke@example.org", `nav`),
		chromedp.Navigate(e.base+"/participants/new"),
		chromedp.WaitVisible(`a.consent-text`),
		b.accessible("samtycke-formular"),
		links(),
	)
	if want := consent.Path(cpMentoring, cur, "sv"); href != want || !strings.HasPrefix(name, "svenska") {
		t.Errorf("before a choice: %s (%s), want %s in Swedish", href, name, want)
	}
	b.run("choose Arabic", choose("ar"), links())
	if want := consent.Path(cpMentoring, cur, "ar"); href != want || !strings.HasPrefix(name, "arabiska") {
		t.Errorf("after choosing Arabic: %s (%s), want %s", href, name, want)
	}
	b.run("choose no language", choose(""), links())
	if want := consent.Path(cpMentoring, cur, "sv"); href != want || !strings.HasPrefix(name, "svenska") {
		t.Errorf("after choosing none: %s (%s), want %s", href, name, want)
	}

	var dir, direction, lang string
	b.run("open the Arabic text",
		chromedp.Navigate(e.base+consent.Path(cpMentoring, cur, "ar")),
		chromedp.WaitVisible(`h1`),
		chromedp.Evaluate(`document.documentElement.lang`, &lang),
		chromedp.Evaluate(`document.documentElement.dir`, &dir),
		chromedp.Evaluate(`getComputedStyle(document.querySelector("h1")).direction`, &direction),
		b.accessible("samtycke-ar"),
	)
	if lang != "ar" || dir != "rtl" || direction != "rtl" {
		t.Errorf("the Arabic text: lang %q dir %q direction %q, want ar, rtl, rtl", lang, dir, direction)
	}
}

// swedishCoordinator adds a coordinator of a new organisation in 0880
// who reads the app in Swedish, signing in as email with the tests'
// password.
func swedishCoordinator(t *testing.T, e *env, email string) {
	t.Helper()
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	if _, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{User: &gatewayv1.User{
		Email: email, DisplayName: "Sara", Role: gatewayv1.Role_ROLE_COORDINATOR,
		OrganisationId: org, MunicipalityCodes: []string{"0880"}, Locale: "sv"}, Password: password})); err != nil {
		t.Fatal(err)
	}
}
