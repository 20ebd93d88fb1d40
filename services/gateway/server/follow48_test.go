package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/calendar"
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
