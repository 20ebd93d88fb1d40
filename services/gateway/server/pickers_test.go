package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestDinnerPickersNarrowByMunicipality: the dinners forms' person
// pickers can be narrowed to one municipality (what the "not complete"
// note asks for when a register is larger than the pickers read,
// pickerPages), the narrowing survives a refused post, and a register
// read to its end shows no note.
func TestDinnerPickersNarrowByMunicipality(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Två kommuner", "0180", "0380")
	coord := e.coordinator(admin, "tva@example.org", org, "0180", "0380")
	dinnerHost(t, coord, org, "0180", "Karin")
	dinnerHost(t, coord, org, "0380", "Erik")
	dinnerGuest(t, coord, org, "0180", "Leila")
	dinnerGuest(t, coord, org, "0380", "Amal")
	b := e.browser()
	b.signIn("tva@example.org", password)
	b.swedish()
	for _, tt := range []struct{ path, here, there string }{
		{"/dinners/offers/new", "Erik Lindgren, Uppsala", "Karin Lindgren"},
		{"/dinners/signups/new", "Amal Haddad, Uppsala", "Leila Haddad"},
	} {
		_, page := b.get(tt.path)
		mustContain(t, page, tt.here, tt.there, `name="picker_municipality"`)
		if strings.Contains(page, "Listan nedan är inte hela") {
			t.Errorf("%s: the note with every record read", tt.path)
		}
		_, page = b.get(tt.path + "?picker_municipality=0380")
		mustContain(t, page, tt.here)
		if strings.Contains(page, tt.there) {
			t.Errorf("%s narrowed to 0380 offers %s", tt.path, tt.there)
		}
		// A refused post (no date) shows the same narrowed list.
		action, form := formOf(t, page)
		if form.Get("picker_municipality") != "0380" {
			t.Fatalf("%s: the form does not keep the narrowing: %v", tt.path, form)
		}
		code, body := b.post(action, form)
		if code != http.StatusUnprocessableEntity || strings.Contains(body, tt.there) || !strings.Contains(body, tt.here) {
			t.Errorf("%s refused post: %d, narrowed list lost", tt.path, code)
		}
	}
}
