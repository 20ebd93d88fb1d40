package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// TestJobFormsNameTheirMunicipalitiesAlike: a coordinator's job form with
// no municipality ticked said "Rätta följande: Kommuner: välj minst en
// kommun" under boxes whose legend was "Kommun" on the matching and
// guides pages (the dinners page said "Kommuner"), so the summary named
// a field the page did not show (outside round s45, ADR 0251). Each
// form's summary now names its fieldset by the legend it has.
func TestJobFormsNameTheirMunicipalitiesAlike(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180", "0380")
	e.coordinator(admin, "legend@example.org", org, "0180", "0380")
	b := e.browser()
	b.signIn("legend@example.org", password)
	b.swedish()
	legendRe := regexp.MustCompile(`<fieldset id="f-municipality_codes"[^>]*><legend>([^<]+)</legend>`)
	summaryRe := regexp.MustCompile(`<a href="#f-municipality_codes">([^<]+)</a>`)
	ridRe := regexp.MustCompile(`name="request_id" value="([^"]+)"`)
	for _, f := range []struct{ page, action string }{{"/matching", "/matching/jobs"}, {"/guides/assign", "/guides/jobs"}, {"/dinners", "/dinners/jobs"}} {
		_, page := b.get(f.page)
		rid := ridRe.FindStringSubmatch(page)
		if rid == nil {
			t.Fatalf("%s: no request id", f.page)
		}
		code, page := b.post(f.action, url.Values{"request_id": {rid[1]}})
		legend, summary := legendRe.FindStringSubmatch(page), summaryRe.FindStringSubmatch(page)
		if code != http.StatusUnprocessableEntity || legend == nil || summary == nil {
			t.Errorf("%s with no municipality: %d, legend %v, summary %v", f.action, code, legend, summary)
			continue
		}
		if legend[1] != summary[1] {
			t.Errorf("%s: the summary names %q, the boxes' legend is %q", f.page, summary[1], legend[1])
		}
	}
}
