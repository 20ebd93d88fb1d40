package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSearchByNameWeb: the newcomer and volunteer lists search by name
// (docs/adr/0084) through their filter form; the name never appears in a
// URL (the redirect, the pager links), a plain link to the list is not
// filtered by an earlier search, and a bad search is shown on the field.
// The API filters alike.
func TestSearchByNameWeb(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "sok@example.org", org, "0880")
	for _, n := range [][2]string{{"Åsa", "Öberg"}, {"Mohammed", "Al-Hassan"}} {
		if _, err := coord.registry.CreateParticipant(ctx, connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
			MunicipalityCode: "0880", GivenName: n[0], FamilyName: n[1]}})); err != nil {
			t.Fatal(err)
		}
	}
	mentor(t, coord, org, "0880", "Bengt")
	res, err := coord.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{Name: "moh"}))
	if err != nil || len(res.Msg.GetParticipants()) != 1 || res.Msg.GetParticipants()[0].GetGivenName() != "Mohammed" {
		t.Fatalf("API search moh = %v, %v", res, err)
	}
	vres, err := coord.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{Name: "beng"}))
	if err != nil || len(vres.Msg.GetVolunteers()) != 1 {
		t.Fatalf("API volunteer search beng = %v, %v", vres, err)
	}
	if _, err := coord.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{Name: "Åsa"})); err != nil {
		t.Fatalf("API volunteer search Åsa: %v", err)
	}

	b := e.browser()
	b.signIn("sok@example.org", password)
	b.get("/participants")
	code, loc := b.post("/participants/search", url.Values{"name": {"asa"}, "municipality_code": {"0880"}})
	if code != http.StatusSeeOther || strings.Contains(loc, "asa") || !strings.Contains(loc, "search=1") {
		t.Fatalf("search: %d %s, want a redirect with search=1 and no name", code, loc)
	}
	code, body := b.get(loc)
	if code != http.StatusOK || !strings.Contains(body, "Åsa Öberg") || strings.Contains(body, "Mohammed") {
		t.Fatalf("searched list: %d\n%s", code, trim(body))
	}
	mustContain(t, body, `value="asa"`) // the field shows the search
	if code, body := b.get("/participants"); code != http.StatusOK || !strings.Contains(body, "Mohammed") {
		t.Errorf("a plain link to the list is filtered by an old search: %d", code)
	}
	b.post("/volunteers/search", url.Values{"name": {"beng"}})
	if code, body := b.get("/volunteers?search=1"); code != http.StatusOK || !strings.Contains(body, "Bengt") {
		t.Errorf("volunteer search: %d\n%s", code, trim(body))
	}
	b.post("/participants/search", url.Values{"name": {"!!"}})
	code, body = b.get("/participants?search=1")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-name"`) {
		t.Errorf("bad search: %d, want 422 with the field's message\n%s", code, trim(body))
	}
	// Clearing the field ends the search.
	code, loc = b.post("/participants/search", url.Values{"name": {""}})
	if code != http.StatusSeeOther || loc != "/participants" {
		t.Errorf("empty search: %d %s", code, loc)
	}
}
