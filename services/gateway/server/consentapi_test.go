package server_test

import (
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestConsentOnlyToAPublishedText: through the JSON API, as found from
// outside in session 24, a consent to a version never published
// ("2099-99"), in a language its version is not written in ("de"), or for
// follow-up (which has no text) is InvalidArgument with one violation on
// the field, nothing is recorded, and the value is not repeated; a
// consent to a published text, an old version's included, is recorded.
// Before ADR 0126 each was stored, and the participant page linked to a
// text that does not exist.
func TestConsentOnlyToAPublishedText(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "consentapi@example.org", org, "0880")

	create := func(consent string) jsonAnswer {
		return postJSON(t, e, coord.token, "/motesplats.gateway.v1.RegistryService/CreateParticipant",
			`{"participant": {"municipalityCode": "0880", "givenName": "Amina", "consents": [`+consent+`]}}`)
	}
	refusals := []struct{ name, consent, field, words string }{
		{"never published", `{"purpose": "CONSENT_PURPOSE_MENTORING", "textVersion": "2099-99", "language": "sv"}`,
			"participant.consents[0].text_version", "published: 2026-01, 2026-12"},
		{"language not written", `{"purpose": "CONSENT_PURPOSE_MENTORING", "textVersion": "2026-12", "language": "de"}`,
			"participant.consents[0].language", "sv, en, ar"},
		{"follow-up", `{"purpose": "CONSENT_PURPOSE_FOLLOW_UP", "textVersion": "2026-12", "language": "sv"}`,
			"participant.consents[0].purpose", "mentoring, dinners, guides"},
	}
	for _, r := range refusals {
		a := create(r.consent)
		if a.code != "invalid_argument" || len(a.violations) != 1 || a.violations[0].GetField() != r.field ||
			!strings.Contains(a.violations[0].GetDescription(), r.words) {
			t.Errorf("create, %s: %d %s", r.name, a.status, a.raw)
		}
		if strings.Contains(a.raw, "2099-99") {
			t.Errorf("create, %s: the version is repeated: %s", r.name, a.raw)
		}
	}
	list, err := coord.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list.Msg.GetParticipants()); n != 0 {
		t.Fatalf("%d newcomers stored after the refusals", n)
	}

	if a := create(`{"purpose": "CONSENT_PURPOSE_DINNERS", "textVersion": "2026-01", "language": "en"}`); a.status != 200 {
		t.Fatalf("create with the old published text: %d %s", a.status, a.raw)
	}
	list, err = coord.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil || len(list.Msg.GetParticipants()) != 1 {
		t.Fatalf("list: %v %v", list, err)
	}
	id := list.Msg.GetParticipants()[0].GetId()

	record := func(consent string) jsonAnswer {
		return postJSON(t, e, coord.token, "/motesplats.gateway.v1.RegistryService/RecordConsent", `{"id": "`+id+`", "consent": `+consent+`}`)
	}
	for _, r := range refusals {
		field := strings.Replace(r.field, "participant.consents[0]", "consent", 1)
		if a := record(r.consent); a.code != "invalid_argument" || len(a.violations) != 1 || a.violations[0].GetField() != field {
			t.Errorf("record, %s: %d %s", r.name, a.status, a.raw)
		}
	}
	got := consentsOf(t, coord, id)
	if len(got) != 1 || got[cpDinners].GetTextVersion() != "2026-01" {
		t.Errorf("consents after the refusals: %v, want only dinners 2026-01", got)
	}
	if a := record(`{"purpose": "CONSENT_PURPOSE_MENTORING", "textVersion": "2026-12", "language": "ar"}`); a.status != 200 {
		t.Fatalf("record the current text in Arabic: %d %s", a.status, a.raw)
	}
	wantConsent(t, consentsOf(t, coord, id), cpMentoring, "ar")
}
