package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNewcomerFormRefusesAnOrganisationThatDoesNotStand (ADR 0202): an
// admin types the organisation's id on the newcomer form. An id no
// organisation has, and one whose organisation was removed, are refused
// on the page in Swedish, on the organisation field, and nothing is
// stored; before, the newcomer was stored in no coordinator's scope. An
// organisation created a moment before is taken.
func TestNewcomerFormRefusesAnOrganisationThatDoesNotStand(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	closed := e.createOrg("Förening som lades ner", "0880")
	if _, err := e.serviceClient().DeleteOrganisation(ctx, &volunteersv1.DeleteOrganisationRequest{Id: closed}); err != nil {
		t.Fatal(err)
	}
	admin := e.login(adminEmail, adminPass)
	b := e.swedishBrowserAs(adminEmail, adminPass)
	b.get("/participants/new")
	form := func(org string) url.Values {
		return url.Values{"given_name": {"Amina"}, "family_name": {"Hassan"}, "municipality_code": {"0880"}, "organisation_id": {org}}
	}
	for org, want := range map[string]string{
		"finns-inte": "är ingen organisation; registrera organisationen först",
		closed:       "är en organisation som har tagits bort; välj en annan",
	} {
		code, body := b.post("/participants", form(org))
		text := strings.Join(strings.Fields(visibleText(body)), " ")
		if code != http.StatusUnprocessableEntity || !strings.Contains(text, want) || strings.Contains(text, "organisation that") ||
			strings.Contains(text, "names no") {
			t.Fatalf("organisation %s: %d %s; want 422 with %q", org, code, text, want)
		}
		if n := strings.Count(body, `<p class="error" id="e-organisation_id"`); n != 1 {
			t.Errorf("organisation %s: the field marked %d times, want once", org, n)
		}
	}
	list, err := admin.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil || len(list.Msg.GetParticipants()) != 0 {
		t.Fatalf("stored after the refusals: %v %v", list, err)
	}
	fresh := e.createOrg("Förening som just startat", "0880")
	if code, body := b.post("/participants", form(fresh)); code != http.StatusSeeOther {
		t.Fatalf("organisation created a moment before: %d %s", code, trim(visibleText(body)))
	}
}
