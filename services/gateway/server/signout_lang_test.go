package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// acceptLanguage sends lang as every request's Accept-Language, as a
// browser set to that language does.
type acceptLanguage struct {
	lang string
	next http.RoundTripper
}

func (a acceptLanguage) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept-Language", a.lang)
	return a.next.RoundTrip(r)
}

// TestSignOutInTheAccountsLanguage: a coordinator who works in Swedish in
// a browser set to English is told "Du är utloggad." on a Swedish sign-in
// page, not "You are signed out." (session 48's new user: the sign-out
// was the one English page of a Swedish week, ADR 0266); the sign-in page
// opened later in that browser stays Swedish too.
func TestSignOutInTheAccountsLanguage(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	// The account chooses Swedish once, in another browser.
	first := e.browser()
	first.signIn(adminEmail, adminPass)
	first.swedish()

	b := e.browser()
	b.c.Transport = acceptLanguage{"en-US,en;q=0.9", http.DefaultTransport}
	if _, page := b.get("/signin"); !strings.Contains(page, `<html lang="en"`) {
		t.Fatalf("the sign-in page for an English browser is not in English: %s", trim(page))
	}
	b.signIn(adminEmail, adminPass)
	if _, page := b.get("/"); !strings.Contains(page, `<html lang="sv"`) {
		t.Fatalf("the overview of a Swedish account: %s", trim(page))
	}
	code, loc := b.post("/signout", nil)
	if code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", code)
	}
	code, page := b.get(loc)
	if text := visibleText(page); code != http.StatusOK || !strings.Contains(page, `<html lang="sv"`) || !strings.Contains(text, "Du är utloggad.") {
		t.Errorf("after signing out %s: %d, want the Swedish sign-in page saying so:\n%s", loc, code, trim(text))
	}
	if _, page := b.get("/signin"); !strings.Contains(page, `<html lang="sv"`) {
		t.Errorf("the sign-in page later in that browser is not Swedish: %s", trim(visibleText(page)))
	}
}
