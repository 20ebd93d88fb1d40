package server_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Findings of the s24 outside round on ranked proposals and the polish
// round (ADR 0129), through the handlers and mp.

// TestCSVRefusalsInWords: a CSV download refused for its parameters says
// what is wrong in the user's words, on the web (the dinners report's
// route showed "from_month: must be YYYY-MM.") and in mp -o (which said
// only "export: gatewayn svarade 422 Unprocessable Entity"), and mp writes
// no file.
func TestCSVRefusalsInWords(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Vägrade filer", "0180")
	e.coordinator(admin, "vagrad@example.org", org, "0180")
	b := e.swedishBrowser("vagrad@example.org")

	code, body := b.get("/dinners/report.csv?from_month=2026-13")
	text := tagRe.ReplaceAllString(mainOf(body), "")
	if code != http.StatusUnprocessableEntity || !strings.Contains(text, "Från månad: måste vara en månad ÅÅÅÅ-MM") ||
		strings.Contains(text, "from_month") || strings.Contains(text, "must be") {
		t.Errorf("web: %d, body without the month in words:\n%s", code, mainOf(body))
	}

	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "vagrad@example.org")
	file := filepath.Join(dir, "out.csv")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"dinners", "report", "-csv", "-from", "2026-13", "-o", file}, "Från månad: måste vara en månad ÅÅÅÅ-MM"},
		{[]string{"dinners", "report", "-csv", "-from", "2026-06", "-to", "2025-01"}, "Till månad: "},
		{[]string{"guides", "equity", "-municipalities", "9999", "-o", file}, "Kommuner: är ingen kommunkod"},
	} {
		out, err := mpRun(t, dir, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "422") {
			t.Errorf("mp %s: %v, want %q\n%s", strings.Join(tt.args, " "), err, tt.want, out)
		}
		if _, serr := os.Stat(file); serr == nil {
			t.Errorf("mp %s wrote a file", strings.Join(tt.args, " "))
		}
	}
}

// TestAdminDinnerFormsCreate: an administrator's offer and sign-up forms
// create what they say, for the organisation of the person chosen. They
// have no organisation field, so every post was refused with
// "Organisation: är inget giltigt id", nothing the form lets one fix; the
// municipality is typed by name (ADR 0129).
func TestAdminDinnerFormsCreate(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Admins middagar", "0380")
	coord := e.coordinator(admin, "admin-middag@example.org", org, "0380")
	host := dinnerHost(t, coord, org, "0380", "Karin")
	guest := dinnerGuest(t, coord, org, "0380", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)

	b := e.browser()
	b.signIn(adminEmail, adminPass)
	code, body := b.post("/dinners/offers", url.Values{"request_id": {"01a24299-0000-7000-8000-000000000001"}, "person": {host},
		"municipality_code": {"Uppsala"}, "seats": {"4"}, "date_0": {day}, "start_time": {"18:00"}, "composition": {"COMPOSITION_MIXED"}})
	if code != http.StatusSeeOther {
		t.Errorf("the admin's offer: %d\n%s", code, tagRe.ReplaceAllString(mainOf(body), ""))
	}
	code, body = b.post("/dinners/signups", url.Values{"request_id": {"01a24299-0000-7000-8000-000000000002"}, "person": {guest},
		"municipality_code": {"uppsala"}, "age_self": {"30"}, "composition": {"COMPOSITION_MIXED"}, "date_0": {day}, "swedish_level": {"SWEDISH_LEVEL_SFI_C"}})
	if code != http.StatusSeeOther {
		t.Errorf("the admin's sign-up: %d\n%s", code, tagRe.ReplaceAllString(mainOf(body), ""))
	}
}

// mainOf is a page's main part, for a failure's message.
func mainOf(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if i := strings.Index(body, "</main>"); i >= 0 {
		body = body[:i]
	}
	return body
}
