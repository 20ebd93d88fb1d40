package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// muniInputRe finds the admin's municipalities input on a job's start
// form, whatever order its attributes come in.
var muniInputRe = regexp.MustCompile(`<input[^>]*id="f-municipality_codes"[^>]*>`)

// TestAdminJobMunicipalitiesSaidAsOnMatching: an admin starts a dinners
// or guides job by typing the municipalities, as on the matching page.
// The dinners form showed a refused name in the summary alone, not beside
// its field (nor marked the field invalid), and said nothing of what to
// type; the guides form asked for "Kommunkoder" ("Kommakoder, till
// exempel 0180, 1480"), though names are taken there as on the other two
// (ADR 0231). Each now words the field as the matching page does, names
// first, with a refused entry beside the field, and starts no job.
func TestAdminJobMunicipalitiesSaidAsOnMatching(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	e.createOrg("Org", "0180")
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	for _, path := range []string{"/dinners", "/guides/assign"} {
		code, body := b.get(path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d", path, code)
		}
		if !strings.Contains(body, "Kommunernas namn, åtskilda med komma") || strings.Contains(body, "Kommunkoder") || strings.Contains(body, "Kommakoder") {
			t.Errorf("%s: the municipalities field does not ask for names as the matching page does: %s", path, trim(body))
		}
		action := "/dinners/jobs"
		if path == "/guides/assign" {
			action = "/guides/jobs"
		}
		code, body = b.post(action, url.Values{"municipality_codes": {"Stockholm, Atlantis"}})
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d, want 422: %s", action, code, trim(body))
		}
		input := muniInputRe.FindString(body)
		field := body[:max(strings.Index(body, input), 0)]
		field = field[max(strings.LastIndex(field, `<div class="field`), 0):]
		if !strings.Contains(field, `id="e-municipality_codes"`) || !strings.Contains(field, "Atlantis") {
			t.Errorf("%s: the refusal is not beside the field: %s", action, field)
		}
		if !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, "e-municipality_codes") || !strings.Contains(input, `value="Stockholm, Atlantis"`) {
			t.Errorf("%s: the field is not marked invalid, tied to its refusal and kept: %s", action, input)
		}
	}
}
