package server_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

var nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// TestSignInGoesBackToTheListPage: a coordinator on page 4 of the
// waiting list whose session ended lands on page 4 again after signing
// in, with a link to the first page where the previous page's was (the
// stack of earlier pages does not travel); a page token that no longer
// decodes opens the first page with no error; hostile positions land on
// the overview (ADR 0188).
func TestSignInGoesBackToTheListPage(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	e := start(t, envOptions{clock: clk})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	coord := e.coordinator(admin, "sida4@example.org", org, "0180")
	const n = 160
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				newcomer(t, coord, org, "0180", fmt.Sprintf("Nr%03d", i))
			}
		})
	}
	wg.Wait()
	testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
		res, err := coord.matching.ListWaitingNewcomers(ctx, connect.NewRequest(&gatewayv1.ListWaitingNewcomersRequest{PageSize: 1}))
		if err != nil {
			return err
		}
		if got := res.Msg.GetTotalSize(); got != n {
			return fmt.Errorf("%d waiting, want %d", got, n)
		}
		return nil
	})

	b := e.browser()
	b.signIn("sida4@example.org", password)
	b.swedish()
	place := "/matching/waiting"
	for range 3 {
		_, page := b.get(place)
		m := nextLink.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("%s has no next page:\n%s", place, trim(page))
		}
		place = html.UnescapeString(m[1])
	}
	_, page4 := b.get(place)
	mustContain(t, page4, "151–160 av 160")

	clk.Advance(9 * time.Hour) // past a session's 8 hours
	res, err := b.c.Get(e.base + place)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	next := loc.Query().Get("next")
	if res.StatusCode != http.StatusSeeOther || loc.Path != "/signin" || !strings.Contains(next, "at=150") || strings.Contains(next, "back") {
		t.Fatalf("page 4 after the session ended: %d to %s, want the sign-in page carrying page 4 without its stack", res.StatusCode, loc)
	}
	signInTo := func(b *browser, next string) string {
		t.Helper()
		clk.Advance(21 * time.Second) // within the sign-in rate limit
		b.get("/signin?" + url.Values{"next": {next}}.Encode())
		code, to := b.post("/signin", url.Values{"email": {"sida4@example.org"}, "password": {password}, "next": {next}})
		if code != http.StatusSeeOther {
			t.Fatalf("sign-in with next %q: %d %s", next, code, trim(to))
		}
		return to
	}
	to := signInTo(b, next)
	if to != next {
		t.Errorf("signing in again went to %q, want %q", to, next)
	}
	code, page := b.get(to)
	if code != http.StatusOK {
		t.Fatalf("%s: %d\n%s", to, code, trim(page))
	}
	mustContain(t, page, "151–160 av 160", `<a href="/matching/waiting">Första sidan</a>`)
	if strings.Contains(page, `rel="prev"`) {
		t.Errorf("page 4 after signing in links to a previous page it has no token for:\n%s", trim(page))
	}
	if _, first := b.get("/matching/waiting"); !strings.Contains(first, "1–50 av 160") {
		t.Errorf("the first page link does not lead to the first page:\n%s", trim(first))
	}

	// A token the list no longer takes (made up here: "nope") opens the
	// first page, with no error to read; typed by hand (no resumed mark)
	// it still gets the error page.
	stale := "/matching/waiting?page_token=bm9wZQ&at=150"
	b = e.browser()
	to = signInTo(b, stale)
	if to != stale+"&resumed=1" {
		t.Fatalf("a stale token's place went to %q", to)
	}
	res, err = b.c.Get(e.base + to)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/matching/waiting" {
		t.Errorf("a stale token after signing in: %d to %q, want the first page", res.StatusCode, res.Header.Get("Location"))
	}
	if code, page := b.get(stale); code != http.StatusUnprocessableEntity || !strings.Contains(page, "börja om från första sidan") {
		t.Errorf("a made-up token by hand: %d, want the error page in words\n%s", code, trim(page))
	}
	// The registers, which word a refused filter at its field, start over
	// too.
	for _, list := range []string{"/participants", "/volunteers"} {
		res, err := b.c.Get(e.base + list + "?page_token=bm9wZQ&at=50&resumed=1")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != list {
			t.Errorf("%s with a stale token after signing in: %d to %q, want its first page", list, res.StatusCode, res.Header.Get("Location"))
		}
	}

	// A narrowed list comes back at its first page; positions the app
	// never writes land on the overview.
	b2 := e.browser()
	res, err = b2.c.Get(e.base + "/participants?municipality_code=0180&page_token=bm9wZQ&at=50")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); loc != "/signin?next=%2Fparticipants" {
		t.Errorf("a filtered list signed out went to %q, want its first page as the place", loc)
	}
	for _, v := range []string{"/matching/waiting?page_token=bm9wZQ&at=50&search=Amina", "/matching/waiting?page_token=" + strings.Repeat("A", 161) + "&at=50",
		"/matching/waiting?page_token=bm9wZQ%3D%3D&at=50", "/matching/waiting?page_token=bm9w/ZQ&at=50", "/matching/waiting?page_token=bm9wZQ&at=-50",
		"/matching/waiting?page_token=bm9wZQ&at=50&back=x", "/matching/waiting?resumed=1", "/matching/waiting?page_token=//evil.example&at=0"} {
		if got := signInTo(e.browser(), v); got != "/" {
			t.Errorf("next %q: went to %q, want the overview", v, got)
		}
	}
}

// TestExpiredRowActionGoesBackToItsJob: an approve sent from a proposal's
// row on a job's page after the session ended goes, after signing in
// again, to that job's page, not to the matching page's latest job (ADR
// 0188). The pair is not approved (the post is never replayed).
func TestExpiredRowActionGoesBackToItsJob(t *testing.T) {
	t.Parallel()
	clk := &clock{}
	e := start(t, envOptions{clock: clk})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	coord := e.coordinator(admin, "rad@example.org", org, "0180")
	newcomer(t, coord, org, "0180", "Amina")
	mentor(t, coord, org, "0180", "Karin")
	var pair, job string
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		j, err := finishedJob(t, coord, "rad-")
		if err != nil {
			return err
		}
		ps, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: j.GetId()}))
		if err != nil || len(ps.Msg.GetPairs()) != 1 {
			return fmt.Errorf("job %s: %d proposals, %v", j.GetId(), len(ps.Msg.GetPairs()), err)
		}
		pair, job = ps.Msg.GetPairs()[0].GetPair().GetId(), j.GetId()
		return nil
	})
	b := e.browser()
	b.signIn("rad@example.org", password)
	_, page := b.get("/matching?job=" + job)
	_, row, _ := strings.Cut(page, `<tr id="pair-`+pair+`">`)
	row, _, _ = strings.Cut(row, "</tr>")
	if n := strings.Count(row, `<input type="hidden" name="job" value="`+job+`">`); n != 2 {
		t.Fatalf("the proposal's approve and reject carry the job %d times, want 2:\n%s", n, row)
	}

	clk.Advance(9 * time.Hour)
	req, _ := http.NewRequest(http.MethodPost, e.base+"/matching/pairs/"+pair+"/approve",
		strings.NewReader(url.Values{"csrf": {b.csrf}, "job": {job}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	redirect, _ := url.Parse(res.Header.Get("HX-Redirect"))
	next := redirect.Query().Get("next")
	if res.StatusCode != http.StatusUnauthorized || next != "/matching?job="+job {
		t.Fatalf("the row's approve after the session ended: %d to %q, want the sign-in page going back to the job", res.StatusCode, redirect)
	}
	clk.Advance(21 * time.Second)
	b.get(redirect.String())
	if code, to := b.post("/signin", url.Values{"email": {"rad@example.org"}, "password": {password}, "next": {next}}); code != http.StatusSeeOther || to != "/matching?job="+job {
		t.Errorf("signing in again: %d to %q, want the job's page", code, to)
	}
	pv, err := coord.matching.GetPair(ctx, connect.NewRequest(&gatewayv1.GetPairRequest{Id: pair}))
	if err != nil || pv.Msg.GetPair().GetPair().GetStatus().String() != "PAIR_STATUS_PROPOSED" {
		t.Errorf("the pair after the expired approve: %v %v, want still proposed", pv.Msg.GetPair().GetPair().GetStatus(), err)
	}
}

// testSignInGoesBackToTheListPageBrowser: in Chromium, a session ends on
// page 2 of the waiting list; signing in again opens page 2, whose "First
// page" link leads to page 1 (ADR 0188).
func testSignInGoesBackToTheListPageBrowser(t *testing.T) {
	clk := &clock{}
	e := start(t, envOptions{clock: clk})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0180")
	coord := e.coordinator(admin, "sida2@example.org", org, "0180")
	const n = 60
	for i := range n {
		newcomer(t, coord, org, "0180", fmt.Sprintf("Nr%02d", i))
	}
	testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
		res, err := coord.matching.ListWaitingNewcomers(ctx, connect.NewRequest(&gatewayv1.ListWaitingNewcomersRequest{PageSize: 1}))
		if err != nil {
			return err
		}
		if got := res.Msg.GetTotalSize(); got != n {
			return fmt.Errorf("%d waiting, want %d", got, n)
		}
		return nil
	})
	b := openTab(t, tabOptions{})
	var where, rng string
	b.run("sign in", signIn(e, "sida2@example.org", `form[action="/signout"]`))
	b.run("page 2 of the waiting list", chromedp.Navigate(e.base+"/matching/waiting"), chromedp.WaitVisible(`a[rel="next"]`, chromedp.ByQuery),
		chromedp.Click(`a[rel="next"]`, chromedp.ByQuery), chromedp.WaitVisible(`a[rel="prev"]`, chromedp.ByQuery))
	clk.Advance(9 * time.Hour)
	b.run("the page again after the session ended", chromedp.Reload(), chromedp.WaitVisible(`#f-password`))
	b.run("sign in again", chromedp.SendKeys(`#f-email`, "sida2@example.org"), chromedp.SendKeys(`#f-password`, password),
		chromedp.Click(`button.primary`), chromedp.WaitVisible(`nav.pager`, chromedp.ByQuery), chromedp.Location(&where),
		chromedp.Text(`nav.pager p`, &rng, chromedp.ByQuery))
	if !strings.Contains(where, "/matching/waiting?page_token=") || !strings.Contains(where, "at=50") || !strings.HasPrefix(rng, "51") {
		t.Errorf("after signing in again: %s showing %q, want page 2 (51–60)", where, rng)
	}
	b.run("the first page", chromedp.Click(`nav.pager a:not([rel])`, chromedp.ByQuery), chromedp.WaitVisible(`a[rel="next"]`, chromedp.ByQuery),
		chromedp.Location(&where), chromedp.Text(`nav.pager p`, &rng, chromedp.ByQuery))
	if where != e.base+"/matching/waiting" || !strings.HasPrefix(rng, "1") {
		t.Errorf("the first page link went to %s showing %q", where, rng)
	}
}
