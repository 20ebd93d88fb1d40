package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBirthYearRefusalSaysLeaveItEmpty: the volunteer form refused a
// birth year of 1850 with "... eller 0 om det inte anges", while what
// "not given" is on the form is an empty field (ADR 0192 left it, ADR
// 0196). The form says so, beside the field and in the summary; an empty
// field is taken as not given.
func TestBirthYearRefusalSaysLeaveItEmpty(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	e.coordinator(admin, "born@example.org", org, "0880")
	b := e.swedishBrowser("born@example.org")
	b.get("/volunteers/new")
	form := url.Values{"given_name": {"Sigrid"}, "family_name": {"Lind"}, "municipality_code": {"0880"}, "household_size": {"1"},
		"languages": {"svenska"}, "birth_year": {"1850"}}
	code, body := b.post("/volunteers", form)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("birth year 1850: %d, want 422: %s", code, trim(visibleText(body)))
	}
	text := visibleText(body)
	const want = "måste vara mellan 1900 och "
	const tail = "(volontärer är minst 16 år), eller lämna fältet tomt om det inte ska anges"
	if n := strings.Count(text, tail); n != 2 || !strings.Contains(text, want) || strings.Contains(text, "eller 0") {
		t.Errorf("birth year 1850 says (%d times the form's words, want 2: summary and field):\n%s", n, trim(text))
	}
	form.Set("birth_year", "")
	if code, body := b.post("/volunteers", form); code != http.StatusSeeOther {
		t.Errorf("an empty birth year: %d, want 303 (taken as not given): %s", code, trim(visibleText(body)))
	}
}
