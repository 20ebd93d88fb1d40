package server_test

import (
	"net/http"
	"testing"
)

// TestListFiltersRefuseUnknownValues: a list filter value its picker does
// not offer (an edited or old address) is refused with 422 at the filter,
// named in words, as /participants?swedish_level=999 is; the seatings and
// assignments lists showed everything (200), an unknown municipality on the
// eligibility list was a list of nothing, and an invalid person on the
// mailbox was dropped and the whole mailbox shown.
func TestListFiltersRefuseUnknownValues(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true})
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.get("/")
	b.swedish()
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/participants?swedish_level=999", []string{"Svenskanivå", "är inget känt värde"}},
		{"/dinners/seatings?status=999", []string{`href="#f-status">Status</a>: är inget känt värde`}},
		// The assignments list has its status picker now, which the error links to.
		{"/guides/assignments?status=999", []string{`href="#f-status">Status</a>: är inget känt värde`, `<select id="f-status" name="status">`}},
		{"/guides?entitlement=999", []string{"Rätt till etableringslots</a>: är inget känt värde"}},
		{"/guides?municipality_code=9999", []string{"Kommun: är ingen kommunkod från SCB"}},
		{"/admin/mailbox?person_id=../x", []string{`href="#f-person_id">Personens id</a>: är inget giltigt id`}},
		{"/admin/mailbox?person=../x", []string{"Personens id</a>: är inget giltigt id"}},
	} {
		code, page := b.get(tt.path)
		if code != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422:\n%s", tt.path, code, trim(page))
			continue
		}
		mustContain(t, page, tt.want...)
	}
	// The assignments picker offers its three statuses in words, the chosen one selected.
	if _, page := b.get("/guides/assignments?status=ASSIGNMENT_STATUS_ACTIVE"); true {
		mustContain(t, page, `<option value="">godkända, tilldelade och pågående</option>`, `<option value="ASSIGNMENT_STATUS_ACTIVE" selected>pågår</option>`)
	}
	// The values the pickers offer still filter.
	for _, path := range []string{"/dinners/seatings?status=SEATING_STATUS_HELD", "/guides/assignments?status=ASSIGNMENT_STATUS_ACTIVE",
		"/guides?entitlement=entitled&municipality_code=0880", "/admin/mailbox?person_id=01890000-0000-7000-8000-000000000000"} {
		if code, page := b.get(path); code != http.StatusOK {
			t.Errorf("%s: %d, want 200:\n%s", path, code, trim(page))
		}
	}
}
