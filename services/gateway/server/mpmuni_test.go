package server_test

import (
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestMPMunicipalityByName: `mp participants list -municipality Kalmar`
// said "Kommun: är ingen svensk kommunkod" to a coordinator who typed the
// name as the web app takes it (ADR 0154); it lists Kalmar's newcomers, as
// the code does.
func TestMPMunicipalityByName(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset", "0880", "0180")
	coord := e.coordinator(admin, "mpkommun@example.org", org, "0880", "0180")
	dinnerGuest(t, coord, org, "0880", "Leila")
	dinnerGuest(t, coord, org, "0180", "Amal")
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "mpkommun@example.org")
	byCode := mp(t, dir, "participants", "list", "-municipality", "0880")
	if !strings.Contains(byCode, "Leila") || strings.Contains(byCode, "Amal") {
		t.Fatalf("by code: %q, want Leila only", byCode)
	}
	for _, name := range []string{"Kalmar", "kalmar kommun"} {
		out, err := mpRun(t, dir, "participants", "list", "-municipality", name)
		if err != nil || out != byCode {
			t.Errorf("-municipality %q: %q %v; want %q", name, out, err, byCode)
		}
	}
}

// TestMPLanguagesByName: `mp participants add -languages arabiska` was
// refused as "ingen ISO 639-språkkod" where the web form takes the names
// it shows (ADR 0168, Left). The flag takes those names in Swedish or
// English, any case, and codes as before, and saves codes; a name no
// language has is refused before anything is sent, with the closest
// names (ADR 0173).
func TestMPLanguagesByName(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset", "0880")
	coord := e.coordinator(admin, "mpsprak@example.org", org, "0880")
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "mpsprak@example.org")
	add := func(langs string) (string, error) {
		return mpRun(t, dir, "participants", "add", "-given-name", "Selam", "-family-name", "Tesfay", "-municipality", "Kalmar",
			"-languages", langs)
	}
	id, err := add("arabiska, Tigrinya,uk , DARI")
	if err != nil {
		t.Fatalf("-languages by name: %v\n%s", err, id)
	}
	res, err := coord.registry.GetParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: strings.TrimSpace(id)}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range res.Msg.GetParticipant().GetParticipant().GetLanguages() {
		got = append(got, l.GetCode())
	}
	if want := []string{"ar", "ti", "uk", "prs"}; !slices.Equal(got, want) {
		t.Errorf("languages %q, want %q", got, want)
	}
	before := mp(t, dir, "participants", "list")
	out, err := add("arabsika, ti")
	if err == nil || !strings.Contains(err.Error(), `language is called "arabsika"`) || !strings.Contains(err.Error(), "Closest: Arabic (ar)") {
		t.Errorf("a misspelt name: %v\n%s", err, out)
	}
	if after := mp(t, dir, "participants", "list"); after != before {
		t.Errorf("a refused add registered someone:\n%s", after)
	}
}
