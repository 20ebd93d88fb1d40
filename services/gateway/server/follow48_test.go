package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/motesplats/motesplats/pkg/calendar"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestReportCSVsRefuseWhatThePageRefuses: both report CSVs of a period
// the mentoring service refuses answered 200 with the people's rows and
// no pairs' rows, silently, where /reports says 422 (sweep s48, ADR
// 0267); a mentoring service that does not answer dropped the rows
// alike, a file that looks whole. Now each refused period is 422 in the
// page's words, and an outage an error page that says to try again, in
// both forms (ADR 0271).
func TestReportCSVsRefuseWhatThePageRefuses(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "csvperiod@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	newcomer(t, coord, org, "0880", "Amina")
	proposal(t, coord)
	b := e.swedishBrowser("csvperiod@example.org")
	month := calendar.Today(time.Now())[:7]

	if code, body := b.get("/reports/export.csv?format=machine"); code != http.StatusOK || !strings.Contains(body, "pairs_proposed,"+month+"/0880,1") {
		t.Fatalf("the whole CSV: %d\n%s", code, trim(body))
	}
	long := strings.Repeat("2", 10000)
	periods := map[string][2]string{"from after to": {"2026-06", "2026-01"}, "month 13": {"2026-13", ""},
		"000000-01": {"000000-01", "000000-01"}, "10,000 characters": {long, long}, "year 1": {"0001-01", month},
		"year 9999": {month, "9999-12"}}
	for name, p := range periods {
		q := url.Values{"from_month": {p[0]}, "to_month": {p[1]}}
		_, page := b.get("/reports?" + q.Encode())
		for _, format := range []string{"machine", "local"} {
			q.Set("format", format)
			code, body := b.get("/reports/export.csv?" + q.Encode())
			text := visibleText(body)
			if code != http.StatusUnprocessableEntity || strings.Contains(body, "pairs_") || strings.Contains(body, "Avsnitt;") ||
				!strings.Contains(text, "Från månad") && !strings.Contains(text, "Till månad") || strings.Contains(text, "must be") {
				t.Errorf("%s CSV of %s: %d, want 422 in words\n%s", format, name, code, trim(text))
			}
			// The same words as the page beside its field.
			if i := strings.Index(text, "månad: "); i >= 0 {
				words := strings.TrimSuffix(strings.SplitN(text[i+len("månad: "):], ".", 2)[0], ".")
				if !strings.Contains(page, words) {
					t.Errorf("%s CSV of %s says %q, the page not", format, name, words)
				}
			}
		}
	}

	e.stopMentoring()
	for _, format := range []string{"machine", "local"} {
		// A period not counted before, so no figures are kept for it.
		code, body := b.get("/reports/export.csv?format=" + format + "&from_month=2025-01&to_month=2025-0" + map[string]string{"machine": "2", "local": "3"}[format])
		text := visibleText(body)
		if code != http.StatusServiceUnavailable || strings.Contains(body, "section,label,count") || strings.Contains(body, "Avsnitt;") ||
			!strings.Contains(text, "försök igen") {
			t.Errorf("%s CSV while mentoring is down: %d, want 503 saying try again\n%s", format, code, trim(text))
		}
	}
}

// swedishCoordinator is coordinator with an account in Swedish, as the
// ones who chose it have.
func (e *env) swedishCoordinator(admin *apiClient, email, org string, munis ...string) *apiClient {
	e.t.Helper()
	if _, err := admin.users.CreateUser(testutil.Context(e.t), connect.NewRequest(&gatewayv1.CreateUserRequest{
		User: &gatewayv1.User{Email: email, DisplayName: "Samordnare " + email, Role: gatewayv1.Role_ROLE_COORDINATOR,
			OrganisationId: org, MunicipalityCodes: munis, Locale: "sv"}, Password: password})); err != nil {
		e.t.Fatalf("create coordinator: %v", err)
	}
	return e.login(email, password)
}

// TestExpiredSessionInTheAccountsLanguage: a Swedish coordinator on a
// browser in English whose session expired read the sign-in page's
// notice in English: the pages before a session were in the browser's
// language, and the sign-in did not keep the account's (ADR 0266's
// left item). The sign-in now sets the language cookie too (ADR 0271).
func TestExpiredSessionInTheAccountsLanguage(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	e := start(t, envOptions{clock: clk})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	e.swedishCoordinator(admin, "engelsk@example.org", org, "0180")
	b := e.browser()
	b.c.Transport = acceptLanguage{lang: "en-GB,en;q=0.9", next: http.DefaultTransport}
	if _, body := b.get("/signin"); !strings.Contains(body, `<html lang="en"`) {
		t.Fatalf("the sign-in page of an English browser is not in English:\n%s", trim(visibleText(body)))
	}
	b.signIn("engelsk@example.org", password)
	clk.Advance(9 * time.Hour) // past a session's 8 hours
	res, err := b.c.Get(e.base + "/participants")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	_, body := b.get(res.Header.Get("Location"))
	if !strings.Contains(body, "Din inloggning har gått ut. Logga in igen.") || !strings.Contains(body, `<html lang="sv"`) {
		t.Errorf("the expired session's sign-in page is not in the account's Swedish:\n%s", trim(visibleText(body)))
	}
}

// TestOverviewCountsPairsEndedLately: the overview had a tile for every
// list a coordinator works through but the pairs that ended lately
// (/matching?ended=1, ADR 0265), which a coordinator calls. It now counts
// them, linked to that list (ADR 0271).
func TestOverviewCountsPairsEndedLately(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "slut@example.org", org, "0880")
	endedPair(t, e, coord, "slut@example.org", org, "Aina")
	b := e.swedishBrowser("slut@example.org")
	code, body := b.get("/")
	if code != http.StatusOK {
		t.Fatalf("overview: %d", code)
	}
	mustContain(t, body, `<a href="/matching?ended=1#pairs"><span class="num">1</span> Par som avslutats de senaste 30 dagarna</a>`)
	_, list := b.get("/matching?ended=1")
	if !strings.Contains(visibleText(list), "Aina") {
		t.Errorf("the tile's list has not the pair it counts:\n%s", trim(visibleText(list)))
	}
}
