package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestHiddenRequestIDRefusedInWords: a job's start whose request id was
// cut off (a form saved from a page, a proxy that drops a field) answered
// "Rätta följande: Begärans id: måste anges: 1 till 64 bokstäver ..."
// with a link to #f-request_id, a field no page has (outside round s44,
// ADR 0245). The forms that carry a hidden request id now say in words
// that the form was not sent and that the page, which has a new id, can
// send it again; no link points at a field that is not there.
func TestHiddenRequestIDRefusedInWords(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Dolda fält", "0180")
	e.coordinator(admin, "dolt@example.org", org, "0180")
	b := e.swedishBrowser("dolt@example.org")
	person := url.Values{"given_name": {"Dold"}, "family_name": {"Hassan"}, "municipality_code": {"0180"},
		"languages": {"arabiska"}, "household_size": {"1"}}
	newID := regexp.MustCompile(`name="request_id" value="[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"`)
	for _, tc := range []struct {
		page, action string
		form         url.Values
	}{
		{"/matching", "/matching/jobs", url.Values{"municipality_codes": {"0180"}}},
		{"/dinners", "/dinners/jobs", url.Values{"municipality_codes": {"0180"}}},
		{"/guides/assign", "/guides/jobs", url.Values{"municipality_codes": {"0180"}}},
		{"/participants/new", "/participants", person},
		{"/volunteers/new", "/volunteers", person},
	} {
		bad := []string{strings.Repeat("a", 200), "a.b"}
		if strings.HasSuffix(tc.action, "/jobs") {
			bad = append(bad, "") // a registration without one is registered
		}
		for _, id := range bad {
			b.get(tc.page)
			form := url.Values{"request_id": {id}}
			for k, v := range tc.form {
				form[k] = v
			}
			code, page := b.post(tc.action, form)
			text := visibleText(mainOf(page))
			if code != http.StatusUnprocessableEntity || !strings.Contains(text, "Formuläret kom utan sitt id") {
				t.Errorf("%s with request id %q: %d %s, want 422 saying the form came without its id", tc.action, trim(id), code, trim(text))
			}
			if strings.Contains(page, `href="#f-request_id"`) || strings.Contains(text, "Begärans id") {
				t.Errorf("%s with request id %q: the refusal names a field the page has not", tc.action, trim(id))
			}
			if !newID.MatchString(page) {
				t.Errorf("%s with request id %q: the page has no new request id to send again with", tc.action, trim(id))
			}
		}
	}
}
