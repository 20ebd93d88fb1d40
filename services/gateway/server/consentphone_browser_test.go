package server_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// testConsentFormOnAPhone: on a 375 px screen, the registration form with
// the newcomer's language set to Arabic (the longest hint beside each
// consent box) and the newcomer's page with its consents fit the screen,
// and each consent's date, version, language and status keep their
// headings once the table is read as blocks; axe-core finds no serious or
// critical violation. The s24 outside round found the hint 7-10 px past
// the edge and the boxes' words one a line, and that Chromium's window is
// never narrower than 500 px, which openTab now emulates (ADR 0126).
func testConsentFormOnAPhone(t *testing.T) {
	e := start(t, envOptions{})
	swedishCoordinator(t, e, "telefon@example.org")
	b := openTab(t, tabOptions{width: 375, height: 812})
	// fit is what the browser made of the page's width: the screen's, the
	// page's, and what sticks out past the screen.
	type fit struct {
		Width, ScrollWidth int
		Past               []string
	}
	const probe = `({
		Width: window.innerWidth,
		ScrollWidth: document.documentElement.scrollWidth,
		Past: [...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
			.slice(0, 5).map(e => e.tagName + "." + e.className + ": " + (e.textContent || "").trim().slice(0, 40)),
	})`
	check := func(what string, f fit) {
		t.Helper()
		if f.Width != 375 || f.ScrollWidth > f.Width || len(f.Past) > 0 {
			t.Errorf("%s on a 375 px screen: width %d, page %d px, past the edge: %v", what, f.Width, f.ScrollWidth, f.Past)
		}
	}

	var form, page fit
	var label string
	b.run("the registration form in Arabic",
		signIn(e, "telefon@example.org", `nav`),
		chromedp.Navigate(e.base+"/participants/new"),
		chromedp.WaitVisible(`a.consent-text`),
		chromedp.SetValue(`#f-notify_language`, "ar"),
		chromedp.Evaluate(`document.getElementById("f-notify_language").dispatchEvent(new Event("change"))`, nil),
		chromedp.Evaluate(probe, &form),
		b.accessible("samtycke-telefon"),
	)
	check("the registration form", form)
	b.run("register with two consents",
		chromedp.SendKeys(`#f-given_name`, "Senait"),
		chromedp.Click(`#f-consent`),
		chromedp.Click(`#f-consent_dinners`),
		chromedp.Evaluate(`document.getElementById("f-given_name").form.submit()`, nil),
		chromedp.WaitVisible(`section.consents td[data-label]`),
		chromedp.Evaluate(probe, &page),
		chromedp.Evaluate(`getComputedStyle(document.querySelector("section.consents td[data-label]"), "::before").content`, &label),
		b.accessible("samtycken-telefon"),
	)
	check("the newcomer's page", page)
	if !strings.Contains(label, "Givet") {
		t.Errorf("the consent's date shows no heading on a phone: ::before is %s", label)
	}
}
