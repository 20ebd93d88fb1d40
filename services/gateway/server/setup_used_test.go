package server_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetupLinkOnceAnAccountExists follows the README as a new user: the
// setup link make run wrote, opened after make seed made the sign-ins (or
// opened again once it made the first admin), says the link no longer
// works because accounts exist, and leads to the sign-in page; before
// any account, a wrong token says only "not found". It said "Sidan eller
// posten hittades inte" and offered the overview (ADR 0192).
func TestSetupLinkOnceAnAccountExists(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "setup-link")
	e := start(t, envOptions{noAdmin: true, out: &strings.Builder{}, setupFile: file})
	link, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	u := strings.TrimSpace(string(link))
	i := strings.Index(u, "/setup?token=")
	if i < 0 {
		t.Fatalf("file holds %q", u)
	}
	path, tok := u[i:], u[i+len("/setup?token="):]
	b := e.browser()

	// Before any account a wrong token tells nothing.
	code, page := b.get("/setup?token=" + strings.Repeat("A", 43))
	if code != http.StatusNotFound || !strings.Contains(page, "Sidan eller posten hittades inte") || strings.Contains(page, "Länken gäller inte längre") {
		t.Errorf("a wrong token before any account: %d\n%s", code, trim(visibleText(page)))
	}

	code, page = b.get(path)
	if code != http.StatusOK {
		t.Fatalf("the link: %d", code)
	}
	if m := csrfRe.FindStringSubmatch(page); m != nil {
		b.csrf = m[1]
	}
	form := url.Values{"token": {tok}, "display_name": {"Kim"}, "email": {"kim@example.org"}, "password": {"kim-testar-123456"}}
	if code, _ := b.post("/setup", form); code != http.StatusSeeOther {
		t.Fatalf("the setup form: %d, want 303", code)
	}

	// The same link again, a second tab's form, and any other token: the
	// page says why and leads to the sign-in page.
	usedGet := func(what, target string) {
		t.Helper()
		code, page := b.get(target)
		checkSetupUsed(t, what, code, page)
	}
	usedGet("the link again", path)
	usedGet("another token", "/setup?token="+strings.Repeat("B", 43))
	usedGet("no token", "/setup")
	code, page = b.post("/setup", url.Values{"token": {tok}, "display_name": {"Kim"}, "email": {"kim2@example.org"}, "password": {"kim-testar-123456"}})
	checkSetupUsed(t, "the form sent again", code, page)
}

// checkSetupUsed checks the page a used setup link shows: 404, its words,
// and the sign-in page as the way on, not the overview.
func checkSetupUsed(t *testing.T, what string, code int, page string) {
	t.Helper()
	text := visibleText(page)
	if code != http.StatusNotFound || !strings.Contains(text, "Länken gäller inte längre") ||
		!strings.Contains(text, "det finns redan konton. Logga in med ditt konto.") ||
		!strings.Contains(page, `<a href="/signin">Logga in</a>`) || strings.Contains(text, "hittades inte") {
		t.Errorf("%s: %d\n%s", what, code, trim(text))
	}
}

// TestSignOutSaysSo: signing out lands on the sign-in page saying the
// session is over; it looked like a first visit (ADR 0192).
func TestSignOutSaysSo(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	b.get("/")
	code, loc := b.post("/signout", nil)
	if code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", code)
	}
	code, page := b.get(loc)
	if text := visibleText(page); code != http.StatusOK || !strings.Contains(text, "Du är utloggad.") || !strings.Contains(page, `id="f-email"`) {
		t.Errorf("after signing out %s: %d\n%s", loc, code, trim(text))
	}
	if code, _ := b.get("/"); code != http.StatusSeeOther {
		t.Errorf("the overview after signing out: %d, want the sign-in page", code)
	}
}
