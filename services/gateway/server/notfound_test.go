package server_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestNotFoundPage: a GET of an unknown path shows the app's own
// not-found page, in the user's language and with the app's layout, with
// status 404, not Go's bare English text; a request with a method its
// path is not served for (a GET of a form's action, a DELETE of a page)
// shows the app's own page too, with status 405 and the Allow header
// (ADR 0173); other methods on unknown paths get the same not-found page
// in the user's language, not the mux's plain 404 (ADR 0180).
func TestNotFoundPage(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	e.coordinator(admin, "vilse@example.org", org, "0880")
	b := e.browser()
	b.signIn("vilse@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})

	for _, path := range []string{"/no-such-page", "/participants/x/y/z", "/static-not"} {
		code, body := b.get(path)
		if code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, code)
		}
		if !strings.Contains(body, "Sidan eller posten hittades inte.") || !strings.Contains(body, `href="/participants"`) ||
			strings.Contains(body, "404 page not found") {
			t.Errorf("GET %s: not the app's page in Swedish:\n%s", path, trim(body))
		}
	}

	raw := func(method, path string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, e.base+path, strings.NewReader(""))
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	for _, method := range []string{http.MethodPost, http.MethodPut} {
		code, body := raw(method, "/no-such-page")
		if code != http.StatusNotFound {
			t.Errorf("%s /no-such-page: %d, want 404", method, code)
		}
		if !strings.Contains(body, `<html lang="sv"`) || !strings.Contains(body, "Sidan eller posten hittades inte.") ||
			strings.Contains(body, "404 page not found") {
			t.Errorf("%s /no-such-page: not the app's page in Swedish:\n%s", method, trim(body))
		}
	}
	// A method no browser sends, on a page: the app's page in Swedish,
	// saying to open it with a link.
	code, body := raw(http.MethodDelete, "/participants")
	if code != http.StatusMethodNotAllowed || !strings.Contains(body, `<html lang="sv"`) || !strings.Contains(body, "Öppna den med en länk i appen") ||
		strings.Contains(body, "Method Not Allowed") {
		t.Errorf("DELETE /participants: %d, want the app's 405 in Swedish:\n%s", code, trim(body))
	}

	// A GET of a form's action (a link followed, an address typed): the
	// app's page in Swedish with a way back, still 405 with Allow.
	for _, path := range []string{"/pairs/x/approve", "/dinners/offers/x/delete", "/settings/locale"} {
		req, err := http.NewRequest(http.MethodGet, e.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != http.MethodPost {
			t.Errorf("GET %s: %d Allow %q, want 405 Allow POST", path, res.StatusCode, res.Header.Get("Allow"))
		}
		if !strings.Contains(string(body), `<html lang="sv"`) || !strings.Contains(string(body), "Gå tillbaka och använd knappen") ||
			!strings.Contains(string(body), `href="/"`) || strings.Contains(string(body), "Method Not Allowed") {
			t.Errorf("GET %s: not the app's page in Swedish:\n%s", path, trim(string(body)))
		}
	}

	// Signed out: the same page in the browser's language, no redirect.
	out := e.browser()
	code, body = out.get("/no-such-page")
	if code != http.StatusNotFound || !strings.Contains(body, "<html") || strings.Contains(body, "404 page not found") {
		t.Errorf("signed out: %d\n%s", code, trim(body))
	}
	code, body = out.get("/pairs/x/approve")
	if code != http.StatusMethodNotAllowed || !strings.Contains(body, "<html") {
		t.Errorf("signed out, GET of a form's action: %d\n%s", code, trim(body))
	}
}
