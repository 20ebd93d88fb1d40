package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var (
	alertRe    = regexp.MustCompile(`(?s)<div class="errors" role="alert"[^>]*>.*?<li>(.*?)</li>`)
	errorPgRe  = regexp.MustCompile(`(?s)<section class="card narrow">\s*<h1>[^<]+</h1>\s*<p>([^<]+)</p>`)
	tagRe      = regexp.MustCompile(`<[^>]+>`)
	mainBodyRe = regexp.MustCompile(`(?s)<main[^>]*>(.*)</main>`)
)

// TestServiceErrorsShown: every page a coordinator can send bad input to
// shows the service's error as a message, never a blank page (issue 12:
// searching for a municipality by name showed nothing).
func TestServiceErrorsShown(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	e.coordinator(admin, "errors@example.org", org, "0880")
	b := e.browser()
	b.signIn("errors@example.org", password)
	for _, path := range []string{
		"/participants?municipality_code=Stockholm",
		"/volunteers?municipality_code=Kalmar",
		"/participants?page_token=not-a-token",
		"/volunteers?page_token=not-a-token",
		"/matching?page_token=not-a-token",
		"/participants/not-an-id",
	} {
		code, body := b.get(path)
		if code < 400 || code >= 500 {
			t.Errorf("%s: status %d, want a 4xx with a message", path, code)
		}
		var msg string
		if m := alertRe.FindStringSubmatch(body); m != nil {
			msg = m[1]
		} else if m := errorPgRe.FindStringSubmatch(body); m != nil {
			msg = m[1]
		}
		msg = strings.TrimSpace(tagRe.ReplaceAllString(msg, ""))
		if msg == "" {
			main := body
			if m := mainBodyRe.FindStringSubmatch(body); m != nil {
				main = m[1]
			}
			t.Errorf("%s: no error message shown: %s", path, trim(main))
		}
	}
	if code, _ := b.get("/participants"); code != http.StatusOK {
		t.Fatalf("plain list: %d", code)
	}
}
