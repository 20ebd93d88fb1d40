package server_test

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// unseatedRowRe is a row of the unseated page's table: newcomer,
// municipality, party size, why.
var unseatedRowRe = regexp.MustCompile(`<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>`)

// unseatedRows are the unseated page's rows, each cell as a reader sees it.
func unseatedRows(body string) [][4]string {
	var out [][4]string
	for _, m := range unseatedRowRe.FindAllStringSubmatch(body, -1) {
		var row [4]string
		for i := range row {
			row[i] = strings.Join(strings.Fields(html.UnescapeString(visibleText(m[i+1]))), " ")
		}
		out = append(out, row)
	}
	return out
}

// TestDinnerUnseatedPageNamesTheParties: the dinners page counted a job's
// parties left without a seat per reason ("4 sällskap utan plats") and
// no page said who they were, where mentoring's job line links "Visa de
// 333 som blev utan förslag" (ADR 0232). The job's line now links a page
// of them: each party's newcomer "Förnamn Efternamn" with the
// municipality, the two Leila Haddad told apart by when each was
// registered and Noor not, the party's size, why in words, and for the
// full dinner who holds its seats, as `mp dinners unseated` says it.
// Another municipality's coordinator gets the page as for an unknown job.
func TestDinnerUnseatedPageNamesTheParties(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Middagar utan plats", "0180", "1480")
	coord := e.coordinator(admin, "utanplats@example.org", org, "0180")
	e.coordinator(admin, "goteborg@example.org", org, "1480")
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	noDinner := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, day)
	for _, g := range []string{"Amal", "Yusra"} { // the dinner's four seats, held by their open proposals
		dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", g), "0180", day)
	}
	first := runDinnerJob(t, coord, "utanplats-1")
	if c := first.GetCounts(); c.GetProposals() != 2 {
		t.Fatalf("first job counts %v, want 2 proposals", c)
	}
	for _, g := range []string{"Leila", "Leila", "Noor"} {
		dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", g), "0180", day)
	}
	samir := dinnerGuest(t, coord, org, "0180", "Samir")
	dinnerSignUp(t, coord, samir, "0180", noDinner)
	job := runDinnerJob(t, coord, "utanplats-2")
	if c := job.GetCounts(); c.GetUnseated() != 4 {
		t.Fatalf("second job counts %v, want 4 parties unseated", c)
	}
	br := e.swedishBrowserAs("utanplats@example.org", password)
	link := "/dinners/jobs/" + job.GetId() + "/unseated"
	mustContain(t, mustGet(br, "/dinners?job="+job.GetId()), `<a href="`+link+`">Visa de 4 sällskap som blev utan plats</a>`)

	code, body := br.get(link)
	if code != http.StatusOK {
		t.Fatalf("%s: %d\n%s", link, code, trim(body))
	}
	const full = "Middagarna som passar var redan fulla (för få lediga platser för hela sällskapet). " +
		"Platser som hålls vid middagen som passar: 4 av förslag som inte är godkända än"
	got := map[string]int{}
	for _, r := range unseatedRows(body) {
		who := regexp.MustCompile(`\(registrerad [^)]+\)`).ReplaceAllString(r[0], "(registrerad …)")
		got[fmt.Sprintf("%s | %s | %s | %s", who, r[1], r[2], r[3])]++
	}
	want := map[string]int{
		"Leila Haddad (registrerad …) | Stockholm | 2 personer | " + full:              2,
		"Noor Haddad | Stockholm | 2 personer | " + full:                               1,
		"Samir Haddad | Stockholm | 2 personer | Ingen middag på någon av deras dagar": 1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s rows:\n%v\nwant\n%v\n%s", link, got, want, trim(body))
	}
	mustContain(t, body, `<a href="/participants/`+samir+`">Samir Haddad</a>`, "1–4 av 4",
		"Platser som hålls av förslag som inte är godkända än frigörs när du avvisar förslagen")
	if strings.Count(body, "(registrerad ") != 2 {
		t.Errorf("%d marks, want the two Leila Haddad's", strings.Count(body, "(registrerad "))
	}
	noEnglish(t, link, body)

	// Another municipality's coordinator: as an unknown job.
	other := e.swedishBrowserAs("goteborg@example.org", password)
	for _, path := range []string{link, "/dinners/jobs/01a2437f-ffff-7fff-bfff-ffffffffffff/unseated"} {
		if code, body := other.get(path); code != http.StatusNotFound || strings.Contains(body, "Haddad") {
			t.Errorf("another municipality's coordinator, %s: %d, want 404 without a name", path, code)
		}
	}
}

// TestDinnerUnseatedPagesNameInOneCallEach: 60 parties left out, more
// than a page (50): the first page shows 50 and links the next, which
// shows the other 10 and links back, no party twice. Each page, its
// names out of the cache, reads them in one BatchGetParticipantNames and
// reads no newcomer, sign-up nor sign-up list one by one, as the left-out
// page does (TestLeftOutPageNamesInOneCall, ADR 0228).
func TestDinnerUnseatedPagesNameInOneCallEach(t *testing.T) {
	t.Parallel()
	logs := &testutil.LogBuffer{}
	e, rc, _ := startWithRedis(t, envOptions{logs: logs, logLevel: slog.LevelDebug})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Många sällskap", "0180")
	coord := e.coordinator(admin, "sextio@example.org", org, "0180")
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, time.Now().AddDate(0, 0, 5).Format(time.DateOnly))
	const n = 60
	for i := range n {
		dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", fmt.Sprintf("Gäst%02d", i)), "0180", time.Now().AddDate(0, 0, 9).Format(time.DateOnly))
	}
	job := runDinnerJob(t, coord, "sextio")
	br := e.swedishBrowserAs("sextio@example.org", password)
	reads := append([]string{"GetSignUp", "ListSignUps"}, nameReads...)
	seen := map[string]bool{}
	next := "/dinners/jobs/" + job.GetId() + "/unseated"
	for k, page := range []struct {
		rows       int
		rng        string
		next, prev bool
	}{{50, "1–50 av 60", true, false}, {10, "51–60 av 60", false, true}} {
		if err := rc.FlushDB(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		before := serviceCalls(logs)
		code, body := br.get(next)
		after := serviceCalls(logs)
		if code != http.StatusOK {
			t.Fatalf("page %d: %d\n%s", k+1, code, trim(body))
		}
		calls := map[string]int{}
		for _, m := range reads {
			if d := after[m] - before[m]; d > 0 {
				calls[m] = d
			}
		}
		if want := map[string]int{"BatchGetParticipantNames": 1}; fmt.Sprint(calls) != fmt.Sprint(want) {
			t.Errorf("page %d, cold: read %v, want %v", k+1, calls, want)
		}
		rows := unseatedRows(body)
		for _, r := range rows {
			if !strings.HasPrefix(r[0], "Gäst") || seen[r[0]] {
				t.Errorf("page %d: row %q: not a party's newcomer, or one shown before", k+1, r[0])
			}
			seen[r[0]] = true
		}
		if len(rows) != page.rows || !strings.Contains(body, page.rng) {
			t.Errorf("page %d: %d rows, want %d and %q", k+1, len(rows), page.rows, page.rng)
		}
		links := regexp.MustCompile(`<a href="([^"]+)" rel="(next|prev)"`).FindAllStringSubmatch(body, -1)
		var hasNext, hasPrev bool
		for _, l := range links {
			if l[2] == "next" {
				hasNext, next = true, html.UnescapeString(l[1])
			} else {
				hasPrev = true
			}
		}
		if hasNext != page.next || hasPrev != page.prev {
			t.Errorf("page %d: next link %v, previous %v; want %v, %v", k+1, hasNext, hasPrev, page.next, page.prev)
		}
	}
	if len(seen) != n {
		t.Errorf("%d parties over the two pages, want %d", len(seen), n)
	}
}
