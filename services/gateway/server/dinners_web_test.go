package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

var (
	seatingIDRe = regexp.MustCompile(`id="seating-([0-9a-f-]+)"`)
	editLinkRe  = regexp.MustCompile(`href="(/dinners/signups/[0-9a-zA-Z_-]+/edit)"`)
	offerEditRe = regexp.MustCompile(`href="(/dinners/offers/[0-9a-zA-Z_-]+/edit)"`)
	pickerRe    = regexp.MustCompile(`(?s)<select id="locale-pick".*?</select>`)
)

// TestDinnersWeb seats a party through the web app's dinner pages in
// Swedish: an offer and a sign-up from forms with pickers, a job with its
// progress, the proposal explained in sentences, a rejection without a
// reason refused with the field named, approval, both RSVPs, the waitlist,
// the report with its charts and the CSV. Every dinner page is checked
// for English catalogue text (issue 12's test, for this area).
func TestDinnersWeb(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "middag@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)

	b := e.browser()
	b.signIn("middag@example.org", password)
	b.swedish()
	_, home := b.get("/")
	mustContain(t, home, `href="/dinners"`, "Middagar")

	// The offer form picks the host by name; the dinners service learns of
	// the host from events, so the first posts may be refused.
	_, page := b.get("/dinners/offers/new")
	mustContain(t, page, "Karin Lindgren, Stockholm", "Halal", "Familj med barn")
	action, form := formOf(t, page)
	form.Set("person", host)
	form.Set("date_0", day)
	form.Set("composition", "COMPOSITION_COUPLE")
	form.Add("diets", "DIET_HALAL")
	form.Add("languages", "ar")
	form.Set("address", "Storgatan 12 B")
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		if code, body := b.post(action, form); code != http.StatusSeeOther {
			return fmt.Errorf("offer: %d %s", code, trim(visibleText(body)))
		}
		return nil
	})
	// A year typed wrong (two years ahead) is refused in Swedish, and no
	// second offer is made (ADR 0195).
	_, page = b.get("/dinners/offers/new")
	action, form = formOf(t, page)
	form.Set("person", host)
	far := time.Now().AddDate(2, 0, 0).Format(time.DateOnly)
	form.Set("date_0", far)
	form.Set("composition", "COMPOSITION_COUPLE")
	if code, body := b.post(action, form); code == http.StatusSeeOther || !strings.Contains(body, "måste ligga inom ett år från i dag") {
		t.Errorf("an offer two years ahead: %d %s", code, trim(visibleText(body)))
	}
	_, page = b.get("/dinners/offers")
	mustContain(t, page, "Karin Lindgren", day+" 18:00", "0 av 4 platser tagna")
	if strings.Contains(page, far) {
		t.Errorf("the offer two years ahead was stored: %s", trim(visibleText(page)))
	}
	// the row names the municipality, never its bare code
	mustContain(t, page, "<td>Karin Lindgren</td><td>Stockholm</td>")

	// The offer opens in the same pickers: fewer seats is a Swedish
	// message by the seats, more are saved with a changed kitchen.
	om := offerEditRe.FindStringSubmatch(page)
	if om == nil {
		t.Fatalf("no edit link for the offer: %s", trim(page))
	}
	_, page = b.get(om[1])
	mustContain(t, page, "Ändra erbjudande", "Karin Lindgren", day+" 18:00", `value="DIET_HALAL" checked`, `value="4"`)
	action, form = formOf(t, page)
	form.Set("seats", "3")
	code, body := b.post(action, form)
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "antalet platser kan bara öka") {
		t.Fatalf("fewer seats: %d %s", code, trim(visibleText(body)))
	}
	form.Set("seats", "4")
	form.Add("diets", "DIET_VEGETARIAN")
	if code, body := b.post(action, form); code != http.StatusSeeOther {
		t.Fatalf("edit the offer: %d %s", code, trim(visibleText(body)))
	}
	_, page = b.get(om[1])
	mustContain(t, page, `value="DIET_VEGETARIAN" checked`)
	// The street address the form stored opens in its field and is
	// changed there (the guests' confirmation carries it); one too long is
	// refused at the field, in Swedish.
	mustContain(t, page, `id="f-address"`, `value="Storgatan 12 B"`)
	action, form = formOf(t, page)
	form.Set("address", strings.Repeat("x", 201))
	if code, body := b.post(action, form); code != http.StatusUnprocessableEntity || !strings.Contains(body, `id="e-address"`) {
		t.Fatalf("a 201-character address: %d %s", code, trim(visibleText(body)))
	}
	form.Set("address", "Storgatan 14")
	if code, body := b.post(action, form); code != http.StatusSeeOther {
		t.Fatalf("change the address: %d %s", code, trim(visibleText(body)))
	}
	_, page = b.get(om[1])
	mustContain(t, page, `value="Storgatan 14"`)

	// A sign-up without a date names the field.
	_, page = b.get("/dinners/signups/new")
	mustContain(t, page, "Leila Haddad, Stockholm")
	action, form = formOf(t, page)
	form.Set("person", guest)
	form.Set("age_self", "34")
	form.Set("relation_1", "RELATION_CHILD")
	form.Set("age_1", "8")
	form.Set("composition", "COMPOSITION_FAMILY")
	form.Add("diets", "DIET_HALAL")
	form.Add("languages", "ar")
	form.Set("first_time", "1")
	code, body = b.post(action, form)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("sign-up without a date: %d", code)
	}
	mustContain(t, body, `href="#f-date_0"`, "ange minst ett datum")
	form.Set("date_0", day)
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		if code, body := b.post(action, form); code != http.StatusSeeOther {
			return fmt.Errorf("sign-up: %d %s", code, trim(visibleText(body)))
		}
		return nil
	})
	_, page = b.get("/dinners/signups")
	mustContain(t, page, "Leila Haddad", "2 personer", "1 anmälan")
	mustContain(t, page, "</td><td>Stockholm</td><td>2 personer</td>")

	// The sign-up opens in the same pickers, filled in; a bad value is a
	// Swedish message by its field, and a change is saved.
	m := editLinkRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no edit link: %s", trim(page))
	}
	_, page = b.get(m[1])
	mustContain(t, page, "Ändra anmälan", "Leila Haddad", `value="34"`, `value="`+day+`"`, `value="RELATION_CHILD" selected`, `value="DIET_HALAL" checked`)
	action, form = formOf(t, page)
	form.Set("postcode", "123")
	form.Set("swedish_level", "SWEDISH_LEVEL_SFI_D")
	code, body = b.post(action, form)
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("edit with a bad postcode: %d", code)
	}
	mustContain(t, body, `href="#f-postcode"`, "måste vara fem siffror")
	form.Set("postcode", "11122")
	if code, body := b.post(action, form); code != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", code, trim(visibleText(body)))
	}
	_, page = b.get(m[1])
	mustContain(t, page, `value="11122"`, `value="SWEDISH_LEVEL_SFI_D" selected`, `value="`+day+`"`)

	_, page = b.get("/dinners")
	action, form = formOf(t, page)
	if code, _ := b.post(action, form); code != http.StatusSeeOther {
		t.Fatalf("start job: %d", code)
	}
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		if _, page = b.get("/dinners"); !strings.Contains(page, `class="why"`) {
			return fmt.Errorf("no proposal yet")
		}
		return nil
	})
	mustContain(t, page, "Leila Haddad, Stockholm (2 personer)", "Karin Lindgren", "p: första gången i ett svenskt hem", "p: reglerna tillåter placeringen", "p: gäst och värd bor i samma kommun", "Passar inte ihop")
	m = seatingIDRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no seating row: %s", trim(page))
	}
	id := m[1]
	code, body = b.post("/dinners/seatings/"+id+"/reject", url.Values{})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "välj varför förslaget avvisas") {
		t.Fatalf("reject without a reason: %d %s", code, trim(visibleText(body)))
	}
	if code, _ := b.post("/dinners/seatings/"+id+"/approve", url.Values{"back": {"/dinners"}}); code != http.StatusSeeOther {
		t.Fatalf("approve: %d", code)
	}
	_, page = b.get("/dinners/seatings")
	mustContain(t, page, "inbjuden", "Gästen tackar ja", "Värden tackar ja", "Datumet passar inte")
	// A service message with a value in it (the seating's status) is a
	// Swedish sentence.
	code, body = b.post("/dinners/seatings/"+id+"/cancel", url.Values{"back": {"/dinners/seatings"}})
	if code < 400 || !strings.Contains(visibleText(body), "Bara en bekräftad placering kan avbokas; den här är inbjuden.") {
		t.Fatalf("cancel an invited seating: %d %s", code, trim(visibleText(body)))
	}
	for _, party := range []string{"DINNER_PARTY_GUEST", "DINNER_PARTY_HOST"} {
		if code, _ := b.post("/dinners/seatings/"+id+"/rsvp", url.Values{"party": {party}, "answer": {"yes"}}); code != http.StatusSeeOther {
			t.Fatalf("RSVP %s: %d", party, code)
		}
	}
	_, page = b.get("/dinners/seatings")
	mustContain(t, page, "bekräftad", "Spara närvaro", "Gästen avbokar")
	// The dinner is nine days ahead: the page says from when attendance
	// can be saved.
	mustContain(t, page, "Närvaro kan sparas från middagens dag, "+day+".")
	_, page = b.get("/dinners/offers")
	mustContain(t, page, "2 av 4 platser tagna")
	_, page = b.get("/dinners/waitlist")
	mustContain(t, page, "Värdplatser som behövs")
	_, page = b.get("/dinners/report")
	mustContain(t, page, "<svg", "Båda diagrammen har samma skala", "<td>Stockholm</td>")
	if strings.Contains(page, "0180 Stockholm") {
		t.Error("the report names a municipality by its code")
	}
	// By gender and first language too, in words (issue 10, item 7).
	mustContain(t, page, "Gäster per kön och förstaspråk", "<td>kvinna</td>", "<td>arabiska</td>")

	res, err := b.c.Get(e.base + "/dinners/report.csv")
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// The file every CSV download is: a byte-order mark and ';' (Swedish
	// Excel opens it in columns).
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(string(csv), "\ufeffMånad;Kommunkod;Kommun;") ||
		!strings.Contains(string(csv), ";0180;Stockholm;;;") {
		t.Fatalf("CSV: %s %q", res.Header.Get("Content-Type"), csv)
	}
	// The groups' values in words, as on the page (were codes: woman, ar).
	if !strings.Contains(string(csv), ";kön;kvinna;") || !strings.Contains(string(csv), ";språk;arabiska;") {
		t.Errorf("CSV groups not in words: %q", csv)
	}

	// A second guest's proposal rejected for a reason: the report counts
	// it per month in words, and the CSV has a column per reason.
	amal := dinnerGuest(t, coord, org, "0180", "Amal")
	dinnerSignUp(t, coord, amal, "0180", day)
	_, page = b.get("/dinners")
	action, form = formOf(t, page)
	if code, _ := b.post(action, form); code != http.StatusSeeOther {
		t.Fatalf("start the second job: %d", code)
	}
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		if _, page = b.get("/dinners"); !strings.Contains(page, "Amal Haddad") {
			return fmt.Errorf("no proposal for Amal yet")
		}
		return nil
	})
	m = seatingIDRe.FindStringSubmatch(page)
	if code, body := b.post("/dinners/seatings/"+m[1]+"/reject", url.Values{"reason": {"REJECT_REASON_LOGISTICS"}, "back": {"/dinners"}}); code != http.StatusSeeOther {
		t.Fatalf("reject with a reason: %d %s", code, trim(visibleText(body)))
	}
	_, page = b.get("/dinners/report")
	mustContain(t, page, "Avvisade förslag per skäl", "<td>Praktiska hinder</td>")
	// Rejections but no declines: the declines' heading says there are
	// none rather than standing empty.
	mustContain(t, page, "Nej-svar per skäl", "Inga nej-svar under perioden.")
	res, err = b.c.Get(e.base + "/dinners/report.csv")
	if err != nil {
		t.Fatal(err)
	}
	csv, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(csv), "Avvisade: Praktiska hinder") || !strings.Contains(string(csv), "Nej-svar: Sjukdom") {
		t.Fatalf("CSV without the reasons' columns: %q", csv)
	}

	sv, en := web.Catalogue("sv"), web.Catalogue("en")
	var english []englishString
	for k, s := range en {
		if len(s) < 4 || sv[k] == s || strings.Contains(s, "%") {
			continue
		}
		english = append(english, englishWords(s))
	}
	for _, path := range []string{"/dinners", "/dinners/offers", "/dinners/offers/new", "/dinners/signups", "/dinners/signups/new", editLinkRe.FindStringSubmatch(mustGet(b, "/dinners/signups"))[1], offerEditRe.FindStringSubmatch(mustGet(b, "/dinners/offers"))[1],
		"/dinners/seatings", "/dinners/waitlist", "/dinners/report"} {
		code, body := b.get(path)
		if code != http.StatusOK || !strings.Contains(body, `<html lang="sv"`) {
			t.Fatalf("%s: %d, not in Swedish", path, code)
		}
		// The language picker names each language in itself ("English"),
		// as it should; the rest of the page must be Swedish.
		text := visibleText(pickerRe.ReplaceAllString(body, " "))
		for _, w := range english {
			if m := w.findIn(text); m != "" {
				t.Errorf("%s: English %q on the Swedish page", path, strings.TrimSpace(m))
			}
		}
	}
}

// mustGet is the body of path, read by b.
func mustGet(b *browser, path string) string {
	_, body := b.get(path)
	return body
}
