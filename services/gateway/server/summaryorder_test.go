package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// summaryLinkRe finds the error summary's links to its fields, in order.
var summaryLinkRe = regexp.MustCompile(`href="#(f-[a-z_]+)"`)

// TestErrorSummaryFollowsTheForm: the summary at the top of a refused
// form lists its problems in the order the fields stand on the page, so
// a coordinator correcting from the top down meets them as the list
// says. The form's own refusals (a language the app does not know) came
// after every one of the service's (ADR 0231: "Talade språk" last, below
// "Personer i hushållet" and "Uppehållstillstånd från", which stand
// after it on the newcomer form; on the volunteer form below "Födelseår").
func TestErrorSummaryFollowsTheForm(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	e.coordinator(admin, "c@example.org", org, "0880")
	b := e.browser()
	b.signIn("c@example.org", password)
	for _, tt := range []struct {
		path string
		form url.Values
		want []string // the fields refused, in the form's order
	}{
		{"/participants", url.Values{"family_name": {"Testsson"}, "municipality_code": {"0880"}, "email": {"x@"},
			"languages": {"klingonska, arabiska"}, "swedish_level": {"SWEDISH_LEVEL_SFI_A"}, "household_size": {"25"},
			"interests": {"fotboll!!"}, "residence_permit_date": {"2099-01-01"}},
			[]string{"f-given_name", "f-email", "f-languages", "f-household_size", "f-interests", "f-residence_permit_date"}},
		{"/volunteers", url.Values{"municipality_code": {"0880"}, "languages": {"klingonska"}, "birth_year": {"1800"}},
			[]string{"f-given_name", "f-languages", "f-birth_year"}},
	} {
		b.get(tt.path + "/new")
		code, body := b.post(tt.path, tt.form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422: %s", tt.path, code, trim(body))
		}
		start := strings.Index(body, `id="error-summary"`)
		end := strings.Index(body[max(start, 0):], "</ul>") + max(start, 0)
		if start < 0 || end < start {
			t.Fatalf("%s: no error summary: %s", tt.path, trim(body))
		}
		var got []string
		for _, m := range summaryLinkRe.FindAllStringSubmatch(body[start:end], -1) {
			got = append(got, m[1])
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: the summary lists %v, want the form's order %v", tt.path, got, tt.want)
		}
		// And the form's order is the page's: each field stands after the
		// one listed before it.
		at := -1
		for _, f := range got {
			i := strings.Index(body, `id="`+f+`"`)
			if i < at {
				t.Errorf("%s: %s stands before the field listed above it", tt.path, f)
			}
			at = i
		}
	}
	if code, body := b.get("/participants"); code != http.StatusOK || strings.Contains(body, "Testsson") {
		t.Errorf("a refused form registered someone: %d", code)
	}
}
