package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/calendar"
)

// TestPairPage walks a proposal through its whole life on the pair page,
// in Swedish (issue 12: pairs could not be followed up in the web app):
// approve, both acceptances taken by phone, a check-in, the end. Reject,
// decline and end refuse to go on without a reason, and the history names
// who did each step.
func TestPairPage(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "par@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	newcomer(t, coord, org, "0880", "Amina")
	pair := proposal(t, coord)
	id := pair.GetPair().GetId()

	b := e.browser()
	b.signIn("par@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	code, body := b.get("/pairs/" + id)
	if code != http.StatusOK {
		t.Fatalf("pair page: %d %s", code, trim(body))
	}
	mustContain(t, body, "Amina Hassan", "Erik Andersson", "Talar båda arabiska", "Bor i samma kommun (Kalmar)", "Föreslogs av matchningen", "föreslagen")

	// A rejection without a reason is refused with the field marked.
	code, body = b.post("/pairs/"+id+"/reject", url.Values{})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("reject without a reason: %d", code)
	}
	mustContain(t, body, `id="e-reject-reason"`, "Skäl")

	var last string // the last step's 303, whose page says what it did
	step := func(action string, form url.Values) {
		t.Helper()
		code, loc := b.post("/pairs/"+id+"/"+action, form)
		last = loc
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/pairs/"+id) {
			t.Fatalf("%s: %d %s", action, code, trim(loc))
		}
	}
	step("approve", nil)
	code, body = b.post("/pairs/"+id+"/decline", url.Values{"party": {"PARTY_MENTOR"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-decline-reason"`) {
		t.Fatalf("decline without a reason: %d", code)
	}
	step("accept", url.Values{"party": {"PARTY_NEWCOMER"}})
	step("accept", url.Values{"party": {"PARTY_MENTOR"}})
	_, body = b.get("/pairs/" + id)
	mustContain(t, body, "aktiv", "Registrera uppföljning", "Den nyanlända tackade ja", "Mentorn tackade ja")
	today := calendar.Today(time.Now())
	step("check_in", url.Values{"date": {today}, "met": {"1"}, "rating": {"CHECK_IN_RATING_GOOD"},
		"activities": {"CHECK_IN_ACTIVITY_LANGUAGE", "CHECK_IN_ACTIVITY_LEISURE"}})
	code, body = b.post("/pairs/"+id+"/end", url.Values{})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-end-reason"`) {
		t.Fatalf("end without a reason: %d", code)
	}
	step("end", url.Values{"reason": {"END_REASON_COMPLETED"}})

	code, body = b.get(last)
	if code != http.StatusOK {
		t.Fatalf("pair page at the end: %d", code)
	}
	mustContain(t, body, "Paret är avslutat.", "avslutad", "Godkändes och erbjöds båda", "Den nyanlända tackade ja",
		"Mentorn tackade ja", today+", Bra, Övat svenska, Sport, kultur, utflykter", "Paret avslutades",
		"Coordinator par@example.org")
	if strings.Contains(body, "okänd användare") {
		t.Errorf("a step lacks who took it:\n%s", trim(visibleText(body)))
	}
}
