package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// TestGuideAssignmentsThatAreOver walks a coordinator's week on the guides
// pages to the end of each assignment: one proposal rejected, one declined
// by the newcomer, one guidance ended, one still waiting for answers. Each
// that is over can still be found on the assignments page by its state,
// with the day and the reason recorded (it was on no page once it left the
// approved, assigned and active three), and no reason is chosen for the
// coordinator: each reason list starts at "Välj skäl" and requires one
// (the first reason, "passar inte ihop", was sent by one click).
func TestGuideAssignmentsThatAreOver(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	setupGuides(t, e)
	b := swedishBrowser(t, e, "lots@example.org")
	page, ids := guideJobProposals(t, b, "0880", 4)
	mustContain(t, page, `name="reason" required><option value="">Välj skäl …</option>`)

	post := func(id, action string, form url.Values) {
		t.Helper()
		if code, loc := b.post("/guides/assignments/"+id+"/"+action, form); code != http.StatusSeeOther {
			t.Fatalf("%s %s: %d %s", action, id, code, trim(loc))
		}
	}
	post(ids[0], "reject", url.Values{"reason": {"REJECT_REASON_CONFLICT_OF_INTEREST"}})
	for _, id := range ids[1:] {
		post(id, "approve", nil)
	}
	_, page = b.get("/guides/assignments")
	mustContain(t, page, `name="reason" required><option value="">Välj skäl …</option>`)
	post(ids[1], "decline", url.Values{"party": {"ACCEPTING_PARTY_NEWCOMER"}, "reason": {"DECLINE_REASON_NO_TIME"}})
	post(ids[2], "accept", url.Values{"party": {"ACCEPTING_PARTY_NEWCOMER"}})
	post(ids[2], "accept", url.Values{"party": {"ACCEPTING_PARTY_ORGANISATION"}})
	post(ids[2], "activate", nil)
	_, page = b.get("/guides/assignments")
	if n := strings.Count(page, `<select id="er-`+ids[2]+`" name="reason" required><option value="">Välj skäl …</option>`); n != 1 {
		t.Errorf("the end reason list of the running guidance is there %d times with no reason chosen, want 1:\n%s", n, trim(page))
	}
	post(ids[2], "end", url.Values{"reason": {"ASSIGNMENT_END_REASON_MOVED"}})

	today := time.Now().In(localtime.Zone).Format(time.DateOnly)
	_, page = b.get("/guides/assignments")
	if !strings.Contains(page, `id="a-`+ids[3]+`"`) || strings.Count(page, `<tr id="a-`) != 1 {
		t.Errorf("the running list shows other than the one waiting for answers:\n%s", trim(visibleText(page)))
	}
	mustContain(t, page, `<option value="ASSIGNMENT_STATUS_ENDED" >avslutad</option>`, `<option value="ASSIGNMENT_STATUS_DECLINED" >tackade nej</option>`,
		`<option value="ASSIGNMENT_STATUS_REJECTED" >avvisad</option>`, `<option value="ASSIGNMENT_STATUS_WITHDRAWN" >återtagen</option>`)
	for status, want := range map[string]struct{ id, words string }{
		"ASSIGNMENT_STATUS_ENDED":    {ids[2], "Avslutad " + today + ": har flyttat"},
		"ASSIGNMENT_STATUS_DECLINED": {ids[1], "Tackade nej " + today + ": den nyanlända, har inte tid"},
		"ASSIGNMENT_STATUS_REJECTED": {ids[0], "Avvisad " + today + ": jäv eller släktskap"},
	} {
		code, page := b.get("/guides/assignments?status=" + status)
		if code != http.StatusOK || strings.Count(page, `<tr id="a-`) != 1 || !strings.Contains(page, `id="a-`+want.id+`"`) || !strings.Contains(page, want.words) {
			t.Errorf("%s: %d, want the one row of %s saying %q:\n%s", status, code, want.id, want.words, trim(visibleText(page)))
		}
		if strings.Contains(page, "/guides/assignments/"+want.id+"/") {
			t.Errorf("%s: an assignment that is over still has actions:\n%s", status, trim(page))
		}
	}
	_, page = b.get("/guides/assignments?status=ASSIGNMENT_STATUS_WITHDRAWN")
	mustContain(t, page, "Inga lotsningar i det läget.")
}

// TestDinnerDeclineSaysWhyOnSeatings declines two invitations, one as the
// guest answered by link would and one for the host, on the seatings page:
// each declined row says who declined and why, in the page's words. The
// row said only "tackade nej"; the reason the person gave reached the
// report's counts and no page a coordinator follows a dinner on.
func TestDinnerDeclineSaysWhyOnSeatings(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Middagsföreningen", "0880")
	coord := e.coordinator(admin, "middag@example.org", org, "0880")
	ctx := testutil.Context(t)
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	for i, name := range []string{"Avböjare", "Värdavböjd"} {
		host := dinnerHost(t, coord, org, "0880", fmt.Sprintf("Värd%d", i))
		dinnerOffer(t, coord, host, "0880", 2, day)
		dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0880", name), "0880", day)
	}
	job := runDinnerJob(t, coord, "decline-why")
	seats, err := coord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: job.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) != 2 {
		t.Fatalf("seatings: %v %v", seats, err)
	}
	b := swedishBrowser(t, e, "middag@example.org")
	party := map[string]string{}
	for i, sv := range seats.Msg.GetSeatings() {
		id := sv.GetSeating().GetId()
		if _, err := coord.dinners.ApproveSeating(ctx, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: id})); err != nil {
			t.Fatal(err)
		}
		form := url.Values{"answer": {"no"}, "party": {"DINNER_PARTY_GUEST"}, "decline_reason": {"RSVP_DECLINE_REASON_DISTANCE"}, "back": {"/dinners/seatings"}}
		party[id] = "gästen: för långt bort"
		if i == 1 {
			form.Set("party", "DINNER_PARTY_HOST")
			form.Set("decline_reason", "RSVP_DECLINE_REASON_ILLNESS")
			party[id] = "värden: sjukdom"
		}
		if code, loc := b.post("/dinners/seatings/"+id+"/rsvp", form); code != http.StatusSeeOther {
			t.Fatalf("decline %s: %d %s", id, code, trim(loc))
		}
	}
	_, page := b.get("/dinners/seatings?status=SEATING_STATUS_DECLINED")
	for id, want := range party {
		row := page[strings.Index(page, `id="seating-`+id+`"`):]
		row = row[:strings.Index(row, "</tr>")]
		if !strings.Contains(row, "tackade nej · "+want) {
			t.Errorf("the declined row of %s does not say %q:\n%s", id, "tackade nej · "+want, trim(visibleText(row)))
		}
	}
}

// TestNamesakesOnProposals: two newcomers of one name in one municipality
// (the seeded Kalmar has two Yonas Haidari and two Ahmad Haidari among its
// 32 dinner proposals) were told apart on no proposal or follow-up page
// of dinners and guides, so a coordinator approved one without knowing
// which. Each namesake's row now says when they were registered, as the
// registers and pickers do (ADR 0132); a guest with a name of their own,
// or in two rows, gets nothing added.
func TestNamesakesOnProposals(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	ctx := testutil.Context(t)
	if _, err := e.serviceClient().CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Lotsarna i Kalmar", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"},
		IsGuideOrganisation: true, GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0880", Language: "ar", Capacity: 4}}}}); err != nil {
		t.Fatal(err)
	}
	org := e.createOrg("Namnföreningen", "0880")
	coord := e.coordinator(admin, "namn@example.org", org, "0880")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	for i, name := range []string{"Yonas", "Yonas", "Ensamma"} {
		dinnerOffer(t, coord, dinnerHost(t, coord, org, "0880", fmt.Sprintf("Värd%d", i)), "0880", 2, day)
		dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0880", name), "0880", day)
		guideNewcomer(t, coord, org, "0880", "Lots"+name, "ar", typev1.Gender_GENDER_MAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	}
	runDinnerJob(t, coord, "namesakes")
	b := swedishBrowser(t, e, "namn@example.org")
	rowsOf := func(page, name string) []string {
		var out []string
		for _, row := range strings.Split(page, "<tr")[1:] {
			if text := visibleText("<tr" + row); strings.Contains(text, name) {
				out = append(out, text)
			}
		}
		return out
	}
	check := func(where, page, twin, single string) {
		t.Helper()
		rows := rowsOf(page, twin)
		if len(rows) != 2 || rows[0] == rows[1] || !strings.Contains(rows[0], "(registrerad ") || !strings.Contains(rows[1], "(registrerad ") {
			t.Errorf("%s: the namesakes' rows are not told apart: %q", where, rows)
		}
		if rows := rowsOf(page, single); len(rows) != 1 || strings.Contains(rows[0], "registrerad") {
			t.Errorf("%s: the one of their own name: %q", where, rows)
		}
	}
	_, page := b.get("/dinners")
	check("/dinners", page, "Yonas Haddad", "Ensamma")
	for _, id := range regexp.MustCompile(`action="/dinners/seatings/([^/"]+)/approve"`).FindAllStringSubmatch(page, -1) {
		if code, loc := b.post("/dinners/seatings/"+id[1]+"/approve", url.Values{"back": {"/dinners"}}); code != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", code, trim(loc))
		}
	}
	_, page = b.get("/dinners/seatings")
	check("/dinners/seatings", page, "Yonas Haddad", "Ensamma")

	page, ids := guideJobProposals(t, b, "0880", 3)
	check("/guides/assign", page, "LotsYonas", "LotsEnsamma")
	for _, id := range ids {
		if code, loc := b.post("/guides/assignments/"+id+"/approve", nil); code != http.StatusSeeOther {
			t.Fatalf("approve: %d %s", code, trim(loc))
		}
	}
	_, page = b.get("/guides/assignments")
	check("/guides/assignments", page, "LotsYonas", "LotsEnsamma")
}

// swedishBrowser signs email in with the web app in Swedish.
func swedishBrowser(t *testing.T, e *env, email string) *browser {
	t.Helper()
	b := e.browser()
	b.signIn(email, password)
	b.get("/")
	b.swedish()
	return b
}

// guideJobProposals starts a guides job for muni from the assignment page
// and waits for its want proposals there: the page and their ids.
func guideJobProposals(t *testing.T, b *browser, muni string, want int) (string, []string) {
	t.Helper()
	_, page := b.get("/guides/assign")
	m := requestIDRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no request id on the assignment page:\n%s", trim(page))
	}
	if code, loc := b.post("/guides/jobs", url.Values{"request_id": {m[1]}, "municipality_codes": {muni}}); code != http.StatusSeeOther {
		t.Fatalf("start a job: %d %s", code, trim(loc))
	}
	var ids []string
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		_, page = b.get("/guides/assign")
		ids = nil
		for _, m := range approveRe.FindAllStringSubmatch(page, -1) {
			ids = append(ids, m[1])
		}
		if len(ids) != want {
			return fmt.Errorf("%d proposals on the page, want %d", len(ids), want)
		}
		return nil
	})
	return page, ids
}

// TestDinnerReasonListsNamed: each reason list on the dinners pages is
// labelled with what it is for and whose it is ("Skäl att avvisa: Gästa
// Haddad, Kalmar + Värd Lindgren, Kalmar"); the label was "Välj skäl", the words of the
// list's first entry, so a screen reader said "Välj skäl, Välj skäl" on
// every row alike.
func TestDinnerReasonListsNamed(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Middagsföreningen", "0880")
	coord := e.coordinator(admin, "skal@example.org", org, "0880")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0880", "Värd"), "0880", 2, day)
	dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0880", "Gästa"), "0880", day)
	runDinnerJob(t, coord, "reason-named")
	b := swedishBrowser(t, e, "skal@example.org")
	labelRe := regexp.MustCompile(`<label for="(?:reason|dr)-[^"]+" class="sr">([^<]*)</label>`)
	_, page := b.get("/dinners")
	if m := labelRe.FindAllStringSubmatch(page, -1); len(m) != 1 || !strings.HasPrefix(m[0][1], "Skäl att avvisa: Gästa Haddad, Kalmar + Värd ") {
		t.Errorf("/dinners: the reject reason list is labelled %q", m)
	}
	id := regexp.MustCompile(`action="/dinners/seatings/([^/"]+)/approve"`).FindStringSubmatch(page)
	if id == nil {
		t.Fatalf("no proposal:\n%s", trim(page))
	}
	if code, loc := b.post("/dinners/seatings/"+id[1]+"/approve", url.Values{"back": {"/dinners"}}); code != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", code, trim(loc))
	}
	_, page = b.get("/dinners/seatings")
	if m := labelRe.FindAllStringSubmatch(page, -1); len(m) != 1 || !strings.HasPrefix(m[0][1], "Skäl att tacka nej: Gästa Haddad, Kalmar + Värd ") {
		t.Errorf("/dinners/seatings: the decline reason list is labelled %q", m)
	}
}
