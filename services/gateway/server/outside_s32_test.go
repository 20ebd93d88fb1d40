package server_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestExpiredSessionSaysSo: a coordinator whose session ends while a
// form is open, then sends it, lands on the sign-in page told that what
// they sent was not saved; one who opens a page with a session the
// gateway no longer knows is told it has expired; a visitor who never
// signed in gets the plain page. Both said nothing (outside round s32,
// ADR 0178): the typed newcomer was gone without a word. Nothing is
// stored, and the address holds nothing that was typed.
func TestExpiredSessionSaysSo(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	e := start(t, envOptions{clock: clk})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	// A Swedish account: the sign-in keeps the account's language for
	// the pages after the session (ADR 0271), and the harness's are
	// English.
	coord := e.swedishCoordinator(admin, "utgangen@example.org", org, "0180")
	b := e.browser()
	b.signIn("utgangen@example.org", password)
	if code, _ := b.get("/participants/new"); code != http.StatusOK {
		t.Fatalf("the form: %d", code)
	}
	clk.Advance(9 * time.Hour) // past a session's 8 hours
	code, loc := b.post("/participants", url.Values{"given_name": {"Utgången"}, "family_name": {"Formsson"}, "municipality_code": {"0180"}})
	// The notice is sealed for this browser (ADR 0251): the address
	// carries the seal and the flash's fragment after what it says.
	const formTo = "/signin?expired=form&next=%2Fparticipants%2Fnew&seal="
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, formTo) || !strings.HasSuffix(loc, "#flash") {
		t.Fatalf("the form sent after the session ended: %d %s, want a redirect to %s...#flash", code, trim(loc), formTo)
	}
	_, body := b.get(loc)
	mustContain(t, body, `<p class="flash" role="status" id="flash" tabindex="-1" autofocus>Din inloggning hade gått ut, så det du skickade sparades inte.`)
	if code, loc := b.get("/participants"); code != http.StatusSeeOther {
		t.Errorf("a page with the expired session: %d %s", code, loc)
	}
	res, err := b.c.Get(e.base + "/participants")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	got := res.Header.Get("Location")
	if !strings.HasPrefix(got, "/signin?expired=1&next=%2Fparticipants&seal=") {
		t.Errorf("a page with the expired session goes to %q, want /signin?expired=1&next=%%2Fparticipants&seal=...", got)
	}
	_, body = b.get(got)
	mustContain(t, body, "Din inloggning har gått ut. Logga in igen.")
	// The same address opened in another browser, or typed without its
	// seal, says nothing: a link anyone made said the session had ended
	// (ADR 0251).
	for _, who := range []struct {
		name string
		b    *browser
		addr string
	}{{"another browser", e.browser(), got}, {"typed", b, "/signin?expired=1"}, {"typed, disabled", b, "/signin?expired=disabled"}} {
		if _, body := who.b.get(who.addr); strings.Contains(body, `id="flash"`) {
			t.Errorf("%s: %s shows a notice", who.name, who.addr)
		}
	}
	anon := e.browser()
	res, err = anon.c.Get(e.base + "/participants")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Location"); got != "/signin?next=%2Fparticipants" {
		t.Errorf("a visitor never signed in goes to %q, want /signin?next=%%2Fparticipants", got)
	}
	ps, err := coord.registry.ListParticipants(testutil.Context(t), connect.NewRequest(&gatewayv1.ListParticipantsRequest{PageSize: 10}))
	if err != nil || len(ps.Msg.GetParticipants()) != 0 {
		t.Errorf("newcomers after the expired form: %v %v, want none", ps.Msg.GetParticipants(), err)
	}
}

// TestApproveInTwoTabs: a proposal approved in one tab, then in another
// still showing it, from its row (htmx). The second answer was the error
// page with 409, which htmx does not swap: the row kept its buttons and
// the click said nothing (outside round s32, ADR 0178). It is now the row
// as the pair is, offered, with the reason in words where the buttons
// were; the pair is offered once. A reject after it says the same.
func TestApproveInTwoTabs(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "tvaflikar@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	newcomer(t, coord, org, "0880", "Amina")
	pair := proposal(t, coord).GetPair()
	b := e.browser()
	b.signIn("tvaflikar@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	b.get("/matching")
	row := func(action string, form url.Values) (int, string) {
		t.Helper()
		form.Set("csrf", b.csrf)
		req, _ := http.NewRequest(http.MethodPost, e.base+"/matching/pairs/"+pair.GetId()+"/"+action, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := row("approve", url.Values{}); code != http.StatusOK || !strings.Contains(body, "Godkänt") {
		t.Fatalf("the first tab's approve: %d %s", code, trim(body))
	}
	code, body := row("approve", url.Values{})
	if code != http.StatusOK {
		t.Fatalf("the second tab's approve: %d %s, want the row (200)", code, trim(body))
	}
	// The second approve finds the pair offered, where its step leads: it
	// stands and answers as the first (ADR 0273).
	mustContain(t, body, `<tr id="pair-`+pair.GetId()+`"`, `<span role="status" class="row-done" tabindex="-1" autofocus>Godkänt och erbjudet båda.</span>`)
	if strings.Contains(body, "/approve") {
		t.Errorf("the approved row still offers to approve: %s", trim(body))
	}
	code, body = row("reject", url.Values{"reason": {"REJECT_REASON_POOR_FIT"}})
	if code != http.StatusOK || !strings.Contains(body, `<span role="status" class="row-done" tabindex="-1" autofocus>`) || strings.Contains(body, "Avvisat.") {
		t.Errorf("a reject after the approve: %d %s", code, trim(body))
	}
	pv, err := coord.matching.GetPair(testutil.Context(t), connect.NewRequest(&gatewayv1.GetPairRequest{Id: pair.GetId()}))
	if err != nil || pv.Msg.GetPair().GetPair().GetStatus().String() != "PAIR_STATUS_OFFERED" {
		t.Errorf("the pair after two approves and a reject: %v %v, want offered", pv, err)
	}
}

// TestApproveSeatingInTwoTabs: the same for a dinners proposal approved
// from its row in two tabs: the second answers the row, invited, with the
// reason, and the seating is approved once.
func TestApproveSeatingInTwoTabs(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "tvabord@example.org", org, "0180")
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	day := time.Now().AddDate(0, 0, 9).Format(time.DateOnly)
	dinnerOffer(t, coord, host, "0180", 4, day)
	dinnerSignUp(t, coord, guest, "0180", day)
	job := runDinnerJob(t, coord, "tva-flikar")
	ctx := testutil.Context(t)
	seats, err := coord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: job.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) != 1 {
		t.Fatalf("the job's seatings: %v %v", seats, err)
	}
	id := seats.Msg.GetSeatings()[0].GetSeating().GetId()
	b := e.browser()
	b.signIn("tvabord@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	b.get("/dinners")
	approve := func() (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, e.base+"/dinners/seatings/"+id+"/approve", strings.NewReader(url.Values{"csrf": {b.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		res, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	if code, body := approve(); code != http.StatusOK {
		t.Fatalf("the first tab's approve: %d %s", code, trim(body))
	}
	code, body := approve()
	// It stands: answered as the first (ADR 0273).
	if code != http.StatusOK || !strings.Contains(body, `<span role="status" class="row-done" tabindex="-1" autofocus>Godkänt: gäst och värd är inbjudna.</span>`) || strings.Contains(body, "/approve") {
		t.Errorf("the second tab's approve: %d %s, want the row as the first answered it", code, trim(body))
	}
	if m := regexp.MustCompile(`<span role="status" class="row-done" tabindex="-1" autofocus>([^<]*)</span>`).FindStringSubmatch(body); m == nil || m[1] == "" || strings.Contains(m[1], "_") {
		t.Errorf("the second approve's reason: %v, want words", m)
	} else {
		t.Logf("the second approve says: %s", m[1])
	}
}
