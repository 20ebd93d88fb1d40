package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestDinnersAdminPicksOrganisation: an administrator starts a dinner job
// by choosing the organisation by name, never by typing its id (the page
// asked for "Organisationens id", a code for a name); a refusal of the
// service is a Swedish sentence; the job runs for the organisation chosen.
func TestDinnersAdminPicksOrganisation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "middag-admin@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, host, "0180", 4, day)
	dinnerSignUp(t, coord, guest, "0180", day)

	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.swedish()
	_, page := b.get("/dinners")
	mustContain(t, page, `<select id="f-organisation_id" name="organisation_id"`, `<option value="">Välj organisation</option>`,
		`<option value="`+org+`">Invitationsdepartementet</option>`)
	if strings.Contains(page, "Organisationens id") || strings.Contains(page, `<input id="f-organisation_id"`) {
		t.Errorf("the admin is asked to type an organisation id")
	}
	action, form := formOf(t, page)
	// Without municipalities the service refuses, in Swedish on the page.
	form.Set("organisation_id", org)
	form.Set("municipality_codes", "")
	code, body := b.post(action, form)
	if text := strings.Join(strings.Fields(visibleText(body)), " "); code != http.StatusUnprocessableEntity || !strings.Contains(text, "välj 1 till 64 kommuner") ||
		strings.Contains(text, "must list") {
		t.Fatalf("no municipalities: %d %s", code, text)
	}
	form.Set("municipality_codes", "0180")
	if code, body := b.post(action, form); code != http.StatusSeeOther {
		t.Fatalf("start the job: %d %s", code, strings.Join(strings.Fields(visibleText(body)), " "))
	}
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		if _, page = b.get("/dinners"); !strings.Contains(page, "Leila Haddad") {
			return fmt.Errorf("no proposal for Leila yet")
		}
		return nil
	})
}
