package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRegisterNewcomer signs in as a coordinator in the web app, submits a
// bad form and sees each field's message inline, then registers.
func TestRegisterNewcomer(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Röda Korset Kalmar", "0880")
	e.coordinator(admin, "anna@example.org", org, "0880")
	b := e.browser()
	b.signIn("anna@example.org", password)

	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	_, page := b.get("/participants/new")
	mustContain(t, page, `list="l-languages"`, `<option value="arabiska">`, `<option value="tigrinja">`)
	// A language typed by name is taken; one the app does not know is
	// refused in words that send the coordinator to the list.
	code, body := b.post("/participants", url.Values{"given_name": {"Amina"}, "municipality_code": {"0880"}, "household_size": {"1"},
		"swedish_level": {"SWEDISH_LEVEL_SFI_B"}, "languages": {"arabiska, klingonska"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("unknown language: %d, want 422: %s", code, trim(body))
	}
	mustContain(t, body, `id="e-languages"`, "klingonska", "välj ett språk ur listan")
	if strings.Contains(body, "ISO 639") {
		t.Errorf("the refusal speaks of codes:\n%s", trim(body))
	}
	b.post("/settings/locale", url.Values{"locale": {"en"}})
	code, body = b.post("/participants", url.Values{"given_name": {""}, "municipality_code": {"9999"}, "household_size": {"x"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d, want 422", code)
	}
	mustContain(t, body, `id="e-household_size"`, "must be a whole number")
	code, body = b.post("/participants", url.Values{"given_name": {""}, "municipality_code": {"9999"}, "household_size": {"1"}, "swedish_level": {"SWEDISH_LEVEL_SFI_B"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d, want 422: %s", code, trim(body))
	}
	mustContain(t, body, `id="e-given_name"`, `id="e-municipality_code"`, `aria-invalid="true"`)

	code, loc := b.post("/participants", url.Values{"given_name": {"Amina"}, "family_name": {"Hassan"}, "municipality_code": {"0880"},
		"household_size": {"2"}, "swedish_level": {"SWEDISH_LEVEL_SFI_B"}, "languages": {"ar, en"}, "interests": {"cooking"}, "consent_mentoring": {"1"}})
	if code != http.StatusSeeOther {
		t.Fatalf("register: %d %s", code, trim(loc))
	}
	code, body = b.get(loc)
	if code != http.StatusOK {
		t.Fatalf("edit page: %d", code)
	}
	mustContain(t, body, `value="Amina"`, "Röda Korset Kalmar")
}
