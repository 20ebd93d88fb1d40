package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// Findings of the s24 coordinators' round (ADR 0125), through the handlers.

var (
	personSelectRe = regexp.MustCompile(`(?s)<select id="f-person".*?</select>`)
	personOptionRe = regexp.MustCompile(`<option value="[^"]+" >([^<]+)</option>`)
	muniBoxRe      = regexp.MustCompile(`<input type="checkbox" id="(?:dm|m)-(\d{4})" name="municipality_codes" value="\d{4}"( checked)?>`)
)

// swedishBrowser is a browser signed in as email, who chose Swedish.
func (e *env) swedishBrowser(email string) *browser {
	e.t.Helper()
	return e.swedishBrowserAs(email, password)
}

// swedishBrowserAs is swedishBrowser with the user's own password (the
// administrator's).
func (e *env) swedishBrowserAs(email, pass string) *browser {
	e.t.Helper()
	b := e.browser()
	b.signIn(email, pass)
	if code, _ := b.post("/settings/locale", url.Values{"locale": {"sv"}}); code != http.StatusSeeOther {
		e.t.Fatalf("choose Swedish: %d", code)
	}
	return b
}

// boxes are a job form's municipality boxes and whether each is ticked.
func boxes(page string) map[string]bool {
	out := map[string]bool{}
	for _, m := range muniBoxRe.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2] != ""
	}
	return out
}

// TestDinnerPagesInWords: the dinners pages name municipalities (the job
// form's boxes, the waitlist's rows and its "per dag" headings), the host
// picker labels people "Förnamn Efternamn, Kommun" in Swedish order (Å, Ä,
// Ö after Z, a lower-case name among the others), and the three job forms
// refused for no box ticked show no box ticked (they ticked them all).
func TestDinnerPagesInWords(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Ordningen", "0180", "0380")
	coord := e.coordinator(admin, "ordning@example.org", org, "0180", "0380")
	for _, n := range []string{"Örjan", "Zlatan", "Åsa", "ärlig", "Adam"} {
		dinnerHost(t, coord, org, "0180", n)
	}
	leila := dinnerGuest(t, coord, org, "0380", "Leila")
	dinnerSignUp(t, coord, leila, "0380", time.Now().AddDate(0, 0, 9).Format(time.DateOnly))

	b := e.swedishBrowser("ordning@example.org")
	_, page := b.get("/dinners/offers/new")
	var hosts []string
	for _, m := range personOptionRe.FindAllStringSubmatch(personSelectRe.FindString(page), -1) {
		hosts = append(hosts, m[1])
	}
	want := []string{"Adam Lindgren, Stockholm", "Zlatan Lindgren, Stockholm", "Åsa Lindgren, Stockholm", "ärlig Lindgren, Stockholm", "Örjan Lindgren, Stockholm"}
	if diff := cmp.Diff(want, hosts); diff != "" {
		t.Errorf("host picker (-want +got):\n%s", diff)
	}

	_, page = b.get("/dinners")
	mustContain(t, page, `<label for="dm-0180">Stockholm</label>`, `<label for="dm-0380">Uppsala</label>`)
	if got := boxes(page); !cmp.Equal(got, map[string]bool{"0180": true, "0380": true}) {
		t.Errorf("dinners job form first shown: %v", got)
	}
	for _, path := range []string{"/dinners", "/matching", "/guides/assign"} {
		_, page := b.get(path)
		action, form := formOf(t, page)
		form.Del("municipality_codes")
		code, body := b.post(action, form)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("%s with no box ticked: %d", path, code)
		}
		if got := boxes(body); !cmp.Equal(got, map[string]bool{"0180": false, "0380": false}) {
			t.Errorf("%s refused with no box ticked shows %v", path, got)
		}
	}

	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		if _, page = b.get("/dinners/waitlist"); !strings.Contains(page, "<td>Uppsala</td>") {
			return fmt.Errorf("no Uppsala row on the waitlist yet")
		}
		return nil
	})
	mustContain(t, page, "Värdplatser som behövs per dag: Uppsala")
	if strings.Contains(page, "0380") {
		t.Errorf("the waitlist shows a municipality code:\n%s", trim(page))
	}
}

// TestCSVHeadersSameInWebAndMp: the dinners report, the guides' equity
// figures and the report (with mentoring) have headers in words, and mp
// saves the same header row as the web download (one writer: mp fetches
// the web's route); the dinners report's file is named in Swedish.
func TestCSVHeadersSameInWebAndMp(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Rubrikerna", "0180")
	e.coordinator(admin, "rubrik@example.org", org, "0180")
	b := e.swedishBrowser("rubrik@example.org")
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "rubrik@example.org")
	firstLine := func(r io.Reader) string {
		l, _ := bufio.NewReader(r).ReadString('\n')
		return strings.TrimSuffix(l, "\n")
	}
	for _, tt := range []struct {
		path, head, file string
		args             []string
	}{
		{"/dinners/report.csv", "\ufeffMånad;Kommunkod;Kommun;Indelning;Grupp;Erbjudna middagar;Genomförda middagar;Placerade gäster;Gäster som kom;",
			`attachment; filename="rapport-middagar-` + time.Now().Format("2006-01") + `.csv"`, []string{"dinners", "report", "-csv"}},
		{"/guides/equity.csv", "\ufeffIndelning;Grupp;Har rätt till lots;Har lots;Andel med lots (%);Dagar till lots, median;Flaggad;Liten grupp",
			`attachment; filename="rapport-etableringslotsar-`, []string{"guides", "equity"}},
		{"/reports/export.csv", "\ufeffAvsnitt;Vad;Antal", `attachment; filename="rapport-`, []string{"report", "export"}},
	} {
		res, err := b.c.Get(e.base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		web := firstLine(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(web, tt.head) || strings.Contains(web, "_") {
			t.Errorf("%s: %d, header %q", tt.path, res.StatusCode, web)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, tt.file) {
			t.Errorf("%s: Content-Disposition %q, want %s...", tt.path, cd, tt.file)
		}
		file := filepath.Join(dir, "out.csv")
		mp(t, dir, append(tt.args, "-o", file)...)
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		saved := firstLine(f)
		f.Close()
		if saved != web {
			t.Errorf("mp %s saved the header %q, the web %q", strings.Join(tt.args, " "), saved, web)
		}
	}
}

// pickerPeople are the labels of a dinners form's person picker.
func pickerPeople(page string) []string {
	var out []string
	for _, m := range personOptionRe.FindAllStringSubmatch(personSelectRe.FindString(page), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestDinnerPickersSearchByName: above PickerSearchAbove people a dinners
// form's person picker is a name search (ADR 0125): the form lists nobody
// until a name is given; the name is posted with the form (never in the
// address) and lists the people whose names start with it, diacritics and
// case ignored; an unknown name says so; the host found is saved with the
// offer. Below the limit (two guests) the picker is the select it was.
func TestDinnerPickersSearchByName(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{pickerSearchAbove: 3})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Sökarna", "0180")
	coord := e.coordinator(admin, "sok@example.org", org, "0180")
	var asa string
	for _, n := range []string{"Adam", "Åsa", "Zlatan", "Örjan"} {
		if id := dinnerHost(t, coord, org, "0180", n); n == "Åsa" {
			asa = id
		}
	}
	dinnerGuest(t, coord, org, "0180", "Leila")
	dinnerGuest(t, coord, org, "0180", "Amal")
	b := e.swedishBrowser("sok@example.org")

	_, page := b.get("/dinners/offers/new")
	mustContain(t, page, `name="picker_name"`, "Fler än 3 att välja bland", `name="picker_search"`)
	if got := pickerPeople(page); len(got) != 0 || strings.Contains(page, "Det finns inga") {
		t.Errorf("the search form lists %v before a name is given", got)
	}
	action, form := formOf(t, page)
	form.Set("picker_search", "1")
	form.Set("picker_name", "åsa")
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		code, body := b.post(action, form)
		if got := pickerPeople(body); code != http.StatusOK || !cmp.Equal(got, []string{"Åsa Lindgren, Stockholm"}) {
			return fmt.Errorf("search for åsa: %d %v", code, got)
		}
		page = body
		return nil
	})
	form.Set("picker_name", "Kalle")
	if code, body := b.post(action, form); code != http.StatusOK || len(pickerPeople(body)) != 0 || !strings.Contains(body, "Ingen med det namnet") {
		t.Errorf("search for a name no one has: %d %v", code, pickerPeople(body))
	}

	_, guests := b.get("/dinners/signups/new")
	if got := pickerPeople(guests); !cmp.Equal(got, []string{"Amal Haddad, Stockholm", "Leila Haddad, Stockholm"}) || strings.Contains(guests, `name="picker_name"`) {
		t.Errorf("two guests, below the limit: %v", got)
	}

	action, form = formOf(t, page)
	if form.Get("picker_name") != "åsa" {
		t.Fatalf("the form does not keep the name searched: %v", form)
	}
	form.Set("person", asa)
	form.Set("date_0", time.Now().AddDate(0, 0, 9).Format(time.DateOnly))
	form.Set("composition", "COMPOSITION_COUPLE")
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		if code, body := b.post(action, form); code != http.StatusSeeOther {
			return fmt.Errorf("save the offer: %d %s", code, trim(visibleText(body)))
		}
		return nil
	})
	_, page = b.get("/dinners/offers")
	mustContain(t, page, "Åsa Lindgren")
}
