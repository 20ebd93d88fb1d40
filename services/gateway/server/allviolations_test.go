package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestBadConsentWithOtherBadFields: through the JSON API, a create with
// a consent to a text never published and other bad fields is answered
// once, with every violation: the service's (the name, the municipality)
// and the gateway's (the consent), nothing stored; so is a consent with
// a bad version and a time in the future. Before, the consent came alone
// and the rest only after a second try (ADR 0126, 0132).
func TestBadConsentWithOtherBadFields(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "allafel@example.org", org, "0880")
	fields := func(a jsonAnswer) []string {
		var out []string
		for _, v := range a.violations {
			out = append(out, v.GetField())
		}
		return out
	}

	a := postJSON(t, e, coord.token, "/motesplats.gateway.v1.RegistryService/CreateParticipant",
		`{"participant": {"municipalityCode": "0880", "givenName": "", "household": {"size": -1}, "consents": [
		 {"purpose": "CONSENT_PURPOSE_DINNERS", "textVersion": "2026-12", "language": "sv"},
		 {"purpose": "CONSENT_PURPOSE_MENTORING", "textVersion": "2099-99", "language": "sv"}]}}`)
	if want := []string{"participant.given_name", "participant.household.size", "participant.consents[1].text_version"}; a.code != "invalid_argument" ||
		!slices.Equal(fields(a), want) {
		t.Errorf("create: %d %s; want the violations %v", a.status, a.raw, want)
	}
	list, err := coord.registry.ListParticipants(testutil.Context(t), connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil || len(list.Msg.GetParticipants()) != 0 {
		t.Fatalf("stored after the refusal: %v %v", list, err)
	}
	// Only the consent is wrong: its violation, as before.
	a = postJSON(t, e, coord.token, "/motesplats.gateway.v1.RegistryService/CreateParticipant",
		`{"participant": {"municipalityCode": "0880", "givenName": "Amina", "consents": [{"purpose": "CONSENT_PURPOSE_MENTORING", "textVersion": "2099-99", "language": "sv"}]}}`)
	if want := []string{"participant.consents[0].text_version"}; !slices.Equal(fields(a), want) {
		t.Errorf("create, only the consent bad: %d %s", a.status, a.raw)
	}

	id := dinnerGuest(t, coord, org, "0880", "Amal")
	a = postJSON(t, e, coord.token, "/motesplats.gateway.v1.RegistryService/RecordConsent",
		`{"id": "`+id+`", "consent": {"purpose": "CONSENT_PURPOSE_MENTORING", "textVersion": "2099-99", "language": "sv", "givenTime": "2999-01-01T00:00:00Z"}}`)
	if want := []string{"consent.given_time", "consent.text_version"}; a.code != "invalid_argument" || !slices.Equal(fields(a), want) {
		t.Errorf("record: %d %s; want the violations %v", a.status, a.raw, want)
	}
	if got := consentsOf(t, coord, id); len(got) != 1 {
		t.Errorf("consents after the refusal: %v, want the dinners one only", got)
	}
}

// TestWebFormEveryViolation: the newcomer form refused what it reads
// itself (a household of "x", a language it does not know) alone, and
// the service's refusals (no name, no such municipality) only after a
// second try. One post now shows all four, each field marked once and
// the household in the form's words, and stores nothing (ADR 0132).
func TestWebFormEveryViolation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "formfel@example.org", org, "0880")
	b := e.swedishBrowser("formfel@example.org")
	b.get("/participants/new")
	code, body := b.post("/participants", url.Values{"given_name": {""}, "municipality_code": {"9999"}, "household_size": {"x"},
		"swedish_level": {"SWEDISH_LEVEL_SFI_B"}, "languages": {"arabiska, klingonska"}, "consent_mentoring": {"1"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d, want 422", code)
	}
	for _, f := range []string{"given_name", "municipality_code", "household_size", "languages"} {
		if n := strings.Count(body, `<p class="error" id="e-`+f+`"`); n != 1 {
			t.Errorf("field %s marked %d times, want once:\n%s", f, n, trim(visibleText(body)))
		}
	}
	if n := strings.Count(body, `href="#f-household_size"`); n != 1 {
		t.Errorf("the summary lists the household %d times, want once:\n%s", n, trim(visibleText(body)))
	}
	mustContain(t, body, "klingonska")
	list, err := coord.registry.ListParticipants(testutil.Context(t), connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil || len(list.Msg.GetParticipants()) != 0 {
		t.Fatalf("stored after the refusal: %v %v", list, err)
	}
}

// TestVolunteerFormEveryViolation: the volunteer form's own refusals (a
// household it cannot read, a language it does not know) came alone, the
// empty name and the unknown municipality after a second try (ADR 0132
// "Left"). The form now asks the volunteers service to check the rest
// (validate_only, ADR 0135): every field marked once, nothing stored.
func TestVolunteerFormEveryViolation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "volfel@example.org", org, "0880")
	b := e.swedishBrowser("volfel@example.org")
	b.get("/volunteers/new")
	code, body := b.post("/volunteers", url.Values{"given_name": {""}, "family_name": {"Lind"}, "municipality_code": {"9999"},
		"household_size": {"x"}, "languages": {"arabiska, klingonska"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d, want 422", code)
	}
	for _, f := range []string{"given_name", "municipality_code", "household_size", "languages"} {
		if n := strings.Count(body, `<p class="error" id="e-`+f+`"`); n != 1 {
			t.Errorf("field %s marked %d times, want once:\n%s", f, n, trim(visibleText(body)))
		}
	}
	mustContain(t, body, "klingonska")
	list, err := coord.registry.ListVolunteers(testutil.Context(t), connect.NewRequest(&gatewayv1.ListVolunteersRequest{}))
	if err != nil || len(list.Msg.GetVolunteers()) != 0 {
		t.Fatalf("stored after the refusal: %v %v", list, err)
	}
}
