package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/calendar"
)

// manyParams is a query string of n parameters (ending in extra): "a&"
// repeated, 2 bytes each, so 10,001 of them stay under the gateway's
// 64 KiB head.
func manyParams(n int, extra url.Values) string {
	k := 0
	for _, v := range extra {
		k += len(v)
	}
	return strings.Repeat("a&", n-k) + extra.Encode()
}

// TestOutside49ReportsAndEndedTile tries session 48's report CSVs and
// the overview's "ended lately" tile from outside (outside49, ADR 0274).
// Organisations A and B each have one pair that ended today. A's tile, its
// ended list and its CSVs count A's pair alone and never name B's; the
// CSVs of hostile periods (reversed, one month past the 10-year bound,
// NUL, bytes that are not UTF-8, a parameter given twice, 10,000
// parameters) are refused in words (422) as the page refuses them, the
// bound itself is served, unknown words for the format and language are
// ignored; no answer is a 500 or holds B's names or English. A query of
// more than 10,000 parameters is one Go's net/url reads as none
// (GODEBUG urlmaxqueryparams, Go 1.26): the answer is the default
// period's, which the test logs (reported to web49: the address asked
// for a refused period and got another one's CSV).
func TestOutside49ReportsAndEndedTile(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	orgA, orgB := e.createOrg("A-förening 49", "0880"), e.createOrg("B-förening 49", "0880")
	coordA := e.coordinator(admin, "a49@example.org", orgA, "0880")
	coordB := e.coordinator(admin, "b49@example.org", orgB, "0880")
	endedPair(t, e, coordA, "a49@example.org", orgA, "Aina")
	endedPair(t, e, coordB, "b49@example.org", orgB, "Bertilia")
	b := e.swedishBrowser("a49@example.org")
	month := calendar.Today(time.Now())[:7]
	secret := []string{"Bertilia", "B-förening", orgB}
	calls := 0
	clean := func(what, body string) {
		t.Helper()
		for _, s := range secret {
			if strings.Contains(body, s) {
				t.Errorf("%s shows B's %q", what, s)
			}
		}
		for _, s := range []string{"must be", "invalid", "rpc error", "panic", "<no value>"} {
			if strings.Contains(visibleText(body), s) {
				t.Errorf("%s says %q\n%s", what, s, trim(visibleText(body)))
			}
		}
	}
	get := func(path string) (int, string) {
		t.Helper()
		calls++
		code, body := b.get(path)
		if code >= 500 && code != http.StatusServiceUnavailable {
			t.Errorf("GET %.120s: %d", path, code)
		}
		clean("GET "+path[:min(len(path), 120)], body)
		return code, body
	}

	code, body := get("/")
	if code != http.StatusOK {
		t.Fatalf("overview: %d", code)
	}
	mustContain(t, body, `<a href="/matching?ended=1#pairs"><span class="num">1</span> Par som avslutats de senaste 30 dagarna</a>`)
	if _, list := get("/matching?ended=1"); !strings.Contains(visibleText(list), "Aina") {
		t.Errorf("A's ended list lacks A's pair:\n%s", trim(visibleText(list)))
	}
	wantRow := "pairs_ended," + month + "/0880,1"
	if code, csv := get("/reports/export.csv?format=machine"); code != http.StatusOK || !strings.Contains(csv, wantRow) {
		t.Errorf("A's machine CSV: %d, want %q (A's pair alone)\n%s", code, wantRow, trim(csv))
	}
	for _, hostile := range []string{"ended=" + strings.Repeat("1", 10_000), "ended=%00", "ended=%ff", "ended=-1&ended=1",
		"ended=1&job=" + orgB, manyParams(10_000, url.Values{"ended": {"1"}}), manyParams(10_001, url.Values{"ended": {"1"}})} {
		get("/?" + hostile)
		get("/matching?" + hostile)
	}

	from := time.Now().AddDate(-10, 0, 0).Format("2006-01")
	tooLong := time.Now().AddDate(-10, -1, 0).Format("2006-01")
	refused := map[string]url.Values{
		"reversed":            {"from_month": {month}, "to_month": {"2020-01"}},
		"one month too long":  {"from_month": {tooLong}, "to_month": {month}},
		"NUL":                 {"from_month": {"2026-01\x00"}},
		"the first refused":   {"from_month": {"2026-13", "2026-01"}},
		"a 10,000-char month": {"to_month": {strings.Repeat("9", 10_000)}},
	}
	for _, path := range []string{"/reports/export.csv", "/dinners/report.csv"} {
		for name, q := range refused {
			for _, format := range []string{"machine", "local"} {
				q := cloneValues(q)
				q.Set("format", format)
				if code, body := get(path + "?" + q.Encode()); code != http.StatusUnprocessableEntity || !strings.Contains(visibleText(body), "månad") {
					t.Errorf("%s, %s, %s: %d, want 422 naming the month\n%s", path, format, name, code, trim(visibleText(body)))
				}
			}
			// Among 10,000 parameters, the period is read and refused alike.
			if code, _ := get(path + "?" + manyParams(10_000, q)); code != http.StatusUnprocessableEntity {
				t.Errorf("%s, %s among 10,000 parameters: %d, want 422", path, name, code)
			}
			// One more and Go reads the address as having none: refused
			// in words, not answered with the default period's figures.
			if code, body := get(path + "?" + manyParams(10_001, q)); code != http.StatusBadRequest || !strings.Contains(visibleText(body), "för många delar") {
				t.Errorf("%s, %s among 10,001 parameters: %d, want 400 in words\n%s", path, name, code, trim(visibleText(body)))
			}
		}
		for name, q := range map[string]url.Values{
			"the 10-year bound":         {"from_month": {from}, "to_month": {month}},
			"an unknown language":       {"lang": {"xx-<script>"}},
			"an unknown programme":      {"programme": {"golf"}, "format": {"machine"}},
			"B's id as an organisation": {"organisation_id": {orgB}, "format": {"machine"}},
		} {
			code, body := get(path + "?" + q.Encode())
			if code != http.StatusOK {
				t.Errorf("%s, %s: %d, want 200\n%s", path, name, code, trim(visibleText(body)))
			}
			if path == "/reports/export.csv" && q.Get("format") == "machine" && !strings.Contains(body, wantRow) {
				t.Errorf("%s, %s: lacks %q (A's pair alone)\n%s", path, name, wantRow, trim(body))
			}
		}
		// Bytes that are not UTF-8, and (the export) an unknown format:
		// 400 in words, before the period is read.
		for name, q := range map[string]string{"not UTF-8": "from_month=2026-01&to_month=%ff%fe", "an unknown format": "format=xlsx"} {
			if path == "/dinners/report.csv" && name == "an unknown format" {
				continue // its format is the language's, not asked
			}
			if code, body := get(path + "?" + q); code != http.StatusBadRequest || !strings.Contains(visibleText(body), "Något gick fel") {
				t.Errorf("%s, %s: %d, want 400 in words\n%s", path, name, code, trim(visibleText(body)))
			}
		}
		// Past 10,000 parameters net/url reads none: the default period.
		code, body := get(path + "?" + manyParams(10_001, refused["reversed"]))
		t.Logf("%s with a reversed period among 10,001 parameters: %d (%d bytes)", path, code, len(body))
	}
	t.Logf("%d requests", calls)
}

// cloneValues copies q, so a case's format does not change the next's.
func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}
