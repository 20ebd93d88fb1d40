package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// inputBounds are the min and max attributes of the input with id in
// page, "" for one absent; the input must be there.
func inputBounds(t testing.TB, page, id string) (lo, hi string) {
	t.Helper()
	tag := regexp.MustCompile(`<input[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(page)
	if tag == "" {
		t.Fatalf("no input %s on the page: %s", id, trim(page))
	}
	attr := func(k string) string {
		if m := regexp.MustCompile(`\b` + k + `="([^"]*)"`).FindStringSubmatch(tag); m != nil {
			return m[1]
		}
		return ""
	}
	return attr("min"), attr("max")
}

// mustDay is the YYYY-MM-DD day parsed.
func mustDay(t testing.TB, day string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatalf("%q is no date: %v", day, err)
	}
	return d
}

// shiftDay is the YYYY-MM-DD day n days from day.
func shiftDay(t testing.TB, day string, n int) string {
	t.Helper()
	return mustDay(t, day).AddDate(0, 0, n).Format(time.DateOnly)
}

// TestFormBoundsAreTheServices (ADR 0199): every date and number field of
// the web app's forms whose service bounds it carries those bounds as min
// and max, so the browser offers nothing the service refuses. Each bound
// is held to the service: the bound itself is accepted, one past it is
// refused with the service's Swedish words (the last word, since the
// forms are sent with novalidate). The dinner dates run from today to a
// year ahead in Stockholm (ADR 0195); a residence permit from 1900-01-01
// to today; a volunteer's birth year from 1900 to this year less 16; a
// household from 1 to 20.
//
// The gateway and the services share a clock standing where "today"
// went wrong (ADR 0207): 00:30 on New Year's Day in Stockholm (23:30 UTC
// on 31 December, CET), when the year too is new there and not yet by
// UTC, and 00:30 on 1 July (22:30 UTC, CEST).
//
// Both are the next such moments after the wall clock, so the hosts'
// background checks (seen a month ago, valid a year) and the tokens hold.
func TestFormBoundsAreTheServices(t *testing.T) {
	t.Parallel()
	next := func(at func(year int) time.Time) time.Time {
		y := time.Now().Year()
		if at(y).Before(time.Now()) {
			y++
		}
		return at(y)
	}
	newYear := next(func(y int) time.Time { return time.Date(y, 12, 31, 23, 30, 0, 0, time.UTC) })
	summer := next(func(y int) time.Time { return time.Date(y, 6, 30, 22, 30, 0, 0, time.UTC) })
	for _, tc := range []struct {
		name             string
		now              time.Time
		today, birthYear string // the form's today and a volunteer's latest birth year
	}{
		{"new year in Stockholm", newYear, fmt.Sprintf("%d-01-01", newYear.Year()+1), strconv.Itoa(newYear.Year() + 1 - 16)},
		{"summer night in Stockholm", summer, fmt.Sprintf("%d-07-01", summer.Year()), strconv.Itoa(summer.Year() - 16)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			formBoundsAt(t, tc.now, tc.today, tc.birthYear)
		})
	}
}

// formBoundsAt is TestFormBoundsAreTheServices with the stack's clock
// standing at now, where the forms' today must be today and the
// volunteers' latest birth year birthYear.
func formBoundsAt(t *testing.T, now time.Time, today, birthYear string) {
	e := start(t, envOptions{clock: &clock{t: now}})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Gränsföreningen", "0180")
	coord := e.coordinator(admin, "granser@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	b := e.swedishBrowser("granser@example.org")

	// post sends the form of the page at path, filled by fill, and
	// returns the answer's status and visible text. With wait it asks
	// again until the form is accepted: the dinners service learns of a
	// host or a guest from events, so the first posts may find them
	// unknown.
	post := func(path string, fill func(url.Values), wait bool) (int, string) {
		t.Helper()
		send := func() (int, string) {
			_, page := b.get(path)
			action, form := formOf(t, page)
			fill(form)
			code, body := b.post(action, form)
			return code, visibleText(body)
		}
		if !wait {
			return send()
		}
		var code int
		var text string
		testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
			if code, text = send(); code != http.StatusSeeOther {
				return fmt.Errorf("%s: %d %s", path, code, trim(text))
			}
			return nil
		})
		return code, text
	}

	// Dinner dates: the offer's and the sign-up's.
	yearAhead := mustDay(t, today).AddDate(1, 0, 0).Format(time.DateOnly) // the dinners service's horizon
	offer := func(day string) func(url.Values) {
		return func(f url.Values) {
			f.Set("person", host)
			f.Set("date_0", day)
			f.Set("composition", "COMPOSITION_COUPLE")
			f.Set("diets", "DIET_HALAL")
			f.Set("languages", "ar")
			f.Set("address", "Storgatan 1")
		}
	}
	signUp := func(day string) func(url.Values) {
		return func(f url.Values) {
			f.Set("person", guest)
			f.Set("date_0", day)
			f.Set("age_self", "34")
			f.Set("composition", "COMPOSITION_COUPLE")
			f.Set("diets", "DIET_HALAL")
			f.Set("languages", "ar")
		}
	}
	for _, tc := range []struct {
		path string
		fill func(string) func(url.Values)
	}{{"/dinners/offers/new", offer}, {"/dinners/signups/new", signUp}} {
		_, page := b.get(tc.path)
		lo, hi := inputBounds(t, page, "f-date-0")
		if lo != today || hi != yearAhead {
			t.Errorf("%s: date bounds %s to %s, want %s to %s", tc.path, lo, hi, today, yearAhead)
		}
		if code, text := post(tc.path, tc.fill(hi), true); code != http.StatusSeeOther {
			t.Errorf("%s on the form's max %s: %d, want 303 (accepted): %s", tc.path, hi, code, trim(text))
		}
		if code, text := post(tc.path, tc.fill(shiftDay(t, hi, 1)), false); code != http.StatusUnprocessableEntity || !strings.Contains(text, "måste ligga inom ett år från i dag") {
			t.Errorf("%s a day past the form's max: %d, want 422 and the service's Swedish: %s", tc.path, code, trim(text))
		}
		if code, text := post(tc.path, tc.fill(lo), false); code != http.StatusSeeOther {
			t.Errorf("%s on the form's min %s: %d, want 303: %s", tc.path, lo, code, trim(text))
		}
		if code, text := post(tc.path, tc.fill(shiftDay(t, lo, -1)), false); code != http.StatusUnprocessableEntity || !strings.Contains(text, "har redan passerat") {
			t.Errorf("%s a day before the form's min: %d, want 422 and the service's Swedish: %s", tc.path, code, trim(text))
		}
	}

	// A newcomer's residence permit and household.
	_, page := b.get("/participants/new")
	lo, hi := inputBounds(t, page, "f-residence_permit_date")
	if lo != "1900-01-01" || hi != today {
		t.Errorf("permit date bounds %s to %s, want 1900-01-01 to %s", lo, hi, today)
	}
	hlo, hhi := inputBounds(t, page, "f-household_size")
	if hlo != "1" || hhi != "20" {
		t.Errorf("newcomer household bounds %s to %s, want 1 to 20", hlo, hhi)
	}
	newcomer := func(permit, household string) func(url.Values) {
		return func(f url.Values) {
			f["given_name"], f["family_name"], f["municipality_code"] = []string{"Gräns"}, []string{"Fallsson"}, []string{"0180"}
			f["residence_permit_date"], f["household_size"] = []string{permit}, []string{household}
		}
	}
	for _, tc := range []struct {
		permit, household, refusal string // refusal "": accepted
	}{
		{hi, hhi, ""},
		{lo, hlo, ""},
		{shiftDay(t, hi, 1), hhi, "får inte ligga i framtiden"},
		{shiftDay(t, lo, -1), hlo, "får inte ligga före 1900-01-01"},
		{hi, strconv.Itoa(mustAtoi(t, hhi) + 1), "måste vara mellan 1 och 20"},
		{hi, strconv.Itoa(mustAtoi(t, hlo) - 1), "måste vara mellan 1 och 20"},
	} {
		code, text := post("/participants/new", newcomer(tc.permit, tc.household), false)
		if tc.refusal == "" && code != http.StatusSeeOther || tc.refusal != "" && (code != http.StatusUnprocessableEntity || !strings.Contains(text, tc.refusal)) {
			t.Errorf("newcomer with permit %s, household %s: %d, want %q (\"\": 303): %s", tc.permit, tc.household, code, tc.refusal, trim(text))
		}
	}

	// A volunteer's birth year, household and mentor capacity.
	_, page = b.get("/volunteers/new")
	ylo, yhi := inputBounds(t, page, "f-birth_year")
	if want := birthYear; ylo != "1900" || yhi != want {
		t.Errorf("birth year bounds %s to %s, want 1900 to %s", ylo, yhi, want)
	}
	if lo, hi := inputBounds(t, page, "f-household_size"); lo != "1" || hi != "20" {
		t.Errorf("volunteer household bounds %s to %s, want 1 to 20", lo, hi)
	}
	clo, chi := inputBounds(t, page, "f-mentor_capacity")
	if clo != "0" || chi != "50" {
		t.Errorf("mentor capacity bounds %s to %s, want 0 to 50", clo, chi)
	}
	volunteer := func(year, capacity string) func(url.Values) {
		return func(f url.Values) {
			f["given_name"], f["family_name"], f["municipality_code"] = []string{"Gräns"}, []string{"Volontär"}, []string{"0180"}
			f["languages"], f["household_size"], f["birth_year"] = []string{"svenska"}, []string{"1"}, []string{year}
			f["mentor"], f["mentor_capacity"] = []string{"1"}, []string{capacity}
		}
	}
	for _, tc := range []struct {
		year, capacity, refusal string
	}{
		{yhi, chi, ""},
		{ylo, clo, ""},
		{strconv.Itoa(mustAtoi(t, yhi) + 1), chi, "måste vara mellan 1900 och " + yhi},
		{strconv.Itoa(mustAtoi(t, ylo) - 1), chi, "måste vara mellan 1900 och " + yhi},
		{yhi, strconv.Itoa(mustAtoi(t, chi) + 1), "måste vara mellan 0 och 50"},
	} {
		code, text := post("/volunteers/new", volunteer(tc.year, tc.capacity), false)
		if tc.refusal == "" && code != http.StatusSeeOther || tc.refusal != "" && (code != http.StatusUnprocessableEntity || !strings.Contains(text, tc.refusal)) {
			t.Errorf("volunteer born %s, capacity %s: %d, want %q (\"\": 303): %s", tc.year, tc.capacity, code, tc.refusal, trim(text))
		}
	}
}

func mustAtoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%q is no number: %v", s, err)
	}
	return n
}
