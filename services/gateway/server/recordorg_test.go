package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAdminPicksTheRecordsOrganisationByName: an administrator
// registering a newcomer or a volunteer typed the organisation's id in a
// text field, where the users and job forms pick it by name (ADR 0251's
// "left" list). Both forms, new and edit, offer the organisations by name
// with a first option "Välj organisation"; that option sent as it is is
// refused on the field in Swedish and nothing is stored or changed; a
// form refused for another field keeps the choice; a chosen organisation
// is the record's. A coordinator's forms have no picker (ADR 0254).
func TestAdminPicksTheRecordsOrganisationByName(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	other := e.createOrg("Agape Kalmar", "0880")
	e.coordinator(admin, "postorg@example.org", org, "0880")
	b := e.swedishBrowserAs(adminEmail, adminPass)
	const choose = `<option value="">Välj organisation</option>`

	for _, kind := range []string{"participants", "volunteers"} {
		_, page := b.get("/" + kind + "/new")
		mustContain(t, page, `<select id="f-organisation_id" name="organisation_id">`, choose,
			`<option value="`+other+`">Agape Kalmar</option><option value="`+org+`">Röda Korset Kalmar</option>`)
		if strings.Contains(page, `<input id="f-organisation_id"`) || strings.Contains(page, `value="`+org+`" selected`) {
			t.Errorf("%s/new: a text field for the id, or an organisation chosen before the admin chose:\n%s", kind, trim(page))
		}
		action, form := formOf(t, page)
		form.Set("organisation_id", "") // what a browser sends for the first option, left chosen
		form.Set("given_name", "Amina")
		form.Set("family_name", "Hassan")
		form.Set("municipality_code", "0880")

		// The first option sent as it is: refused on its field, in Swedish.
		code, body := b.post(action, form)
		text := strings.ReplaceAll(strings.Join(strings.Fields(visibleText(body)), " "), " :", ":") // the summary's link ends before its colon
		if code != http.StatusUnprocessableEntity || !strings.Contains(text, "Organisation: välj en organisation") || strings.Contains(text, "måste fyllas i") {
			t.Fatalf("%s with no organisation chosen: %d %s; want 422 saying Organisation: välj en organisation", kind, code, trim(text))
		}
		if n := strings.Count(body, `<p class="error" id="e-organisation_id"`); n != 1 {
			t.Errorf("%s: the organisation field marked %d times, want once", kind, n)
		}

		// Refused for another field: the choice stays chosen.
		form.Set("organisation_id", other)
		form.Set("given_name", "")
		code, body = b.post(action, form)
		if code != http.StatusUnprocessableEntity || !strings.Contains(body, `<option value="`+other+`" selected>Agape Kalmar</option>`) {
			t.Fatalf("%s refused for its name: %d; the organisation chosen is not kept:\n%s", kind, code, trim(visibleText(body)))
		}

		// Chosen: registered to it, and its edit form has it selected.
		form.Set("given_name", "Amina")
		code, loc := b.post(action, form)
		if code != http.StatusSeeOther {
			t.Fatalf("%s with an organisation chosen: %d %s", kind, code, trim(visibleText(loc)))
		}
		path, _, _ := strings.Cut(loc, "?")
		_, page = b.get(path)
		mustContain(t, page, choose, `<option value="`+other+`" selected>Agape Kalmar</option>`)
		action, form = formOf(t, page)
		form.Set("organisation_id", "")
		if code, body := b.post(action, form); code != http.StatusUnprocessableEntity || !strings.Contains(visibleText(body), "välj en organisation") {
			t.Errorf("%s edit with the first option: %d %s", kind, code, trim(visibleText(body)))
		}
	}

	// Nothing stored by the refusals: one newcomer and one volunteer,
	// each the chosen organisation's.
	ps, err := admin.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil || len(ps.Msg.GetParticipants()) != 1 || ps.Msg.GetParticipants()[0].GetOrganisationId() != other {
		t.Fatalf("newcomers after the forms: %v %v; want one, Agape Kalmar's", ps, err)
	}
	vs, err := admin.registry.ListVolunteers(ctx, connect.NewRequest(&gatewayv1.ListVolunteersRequest{}))
	if err != nil || len(vs.Msg.GetVolunteers()) != 1 || vs.Msg.GetVolunteers()[0].GetOrganisationId() != other {
		t.Fatalf("volunteers after the forms: %v %v; want one, Agape Kalmar's", vs, err)
	}

	// A coordinator's forms have no picker: their records are their own
	// organisation's, as before.
	c := e.swedishBrowserAs("postorg@example.org", password)
	for _, path := range []string{"/participants/new", "/volunteers/new"} {
		if _, page := c.get(path); strings.Contains(page, `id="f-organisation_id"`) || strings.Contains(page, "Agape") {
			t.Errorf("a coordinator's %s offers organisations", path)
		}
	}
	form := url.Values{"given_name": {"Omar"}, "family_name": {"Ali"}, "municipality_code": {"0880"}, "household_size": {"1"}}
	if code, body := c.post("/participants", form); code != http.StatusSeeOther {
		t.Fatalf("a coordinator's newcomer: %d %s", code, trim(visibleText(body)))
	}
}
