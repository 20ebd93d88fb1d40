package server_test

import (
	"strings"
	"testing"
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
