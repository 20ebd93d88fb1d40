package server_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestJobAddressOpenedDirectly: a job's progress address (/dinners/jobs/ID,
// /guides/jobs/ID, /matching/jobs/ID) opened directly, from a bookmark or a
// link pasted in a mail, showed the bare fragment the page polls: no
// language, no title, no layout (ADR 0131 "Left"). A direct visit now goes
// to the page that shows the job, with it on the page; the page's polling
// (htmx, HX-Request) still gets the fragment; another coordinator's job is
// refused as an unknown one, both ways.
func TestJobAddressOpenedDirectly(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "jobs@example.org", org, "0180")
	other := e.createOrg("Annan förening", "0180")
	e.coordinator(admin, "stranger@example.org", other, "0180")
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, day)
	dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", "Leila"), "0180", day)
	dinnerJob := runDinnerJob(t, coord, "jobpage-dinners").GetId()

	b := e.browser()
	b.signIn("jobs@example.org", password)
	b.swedish()
	m := startJobOnPage(t, b, "/matching", "/matching/jobs", `id="job-([^"]+)"`)
	g := startJobOnPage(t, b, "/guides/assign", "/guides/jobs", `id="gjob-([^"]+)"`)

	stranger := e.browser()
	stranger.signIn("stranger@example.org", password)
	for _, tc := range []struct{ path, page, bar, title string }{
		{"/dinners/jobs/" + dinnerJob, "/dinners?job=" + dinnerJob, `id="djob-` + dinnerJob + `"`, "<title>Matchning av middagar"},
		{"/guides/jobs/" + g, "/guides/assign?job=" + g, `id="gjob-` + g + `"`, "<title>Tilldela lotsar"},
		{"/matching/jobs/" + m, "/matching?job=" + m, `id="job-` + m + `"`, "<title>Matchning ·"},
	} {
		// The page's polling: the fragment alone, as before.
		code, _, body := fetchJob(t, b, tc.path, true)
		if code != http.StatusOK || !strings.HasPrefix(strings.TrimSpace(body), `<div class="job" `+tc.bar) || strings.Contains(body, "<html") {
			t.Errorf("poll %s: %d, want 200 and the job's fragment alone:\n%s", tc.path, code, trim(body))
		}
		// A direct visit: the page that shows the job, in Swedish.
		code, loc, _ := fetchJob(t, b, tc.path, false)
		if code != http.StatusSeeOther || loc != tc.page {
			t.Errorf("open %s: %d to %q, want 303 to %s", tc.path, code, loc, tc.page)
			continue
		}
		code, page := b.get(loc)
		if code != http.StatusOK {
			t.Errorf("%s: %d", loc, code)
			continue
		}
		mustContain(t, page, `<html lang="sv"`, tc.title, "Mötesplats</title>", tc.bar)
		// Another organisation's job: refused as unknown, polled or opened.
		for _, htmx := range []bool{true, false} {
			if code, loc, _ := fetchJob(t, stranger, tc.path, htmx); code != http.StatusNotFound {
				t.Errorf("another organisation's %s (htmx %v): %d %s, want 404", tc.path, htmx, code, loc)
			}
		}
	}
}

// startJobOnPage starts a job in Stockholm from page's form (posting to
// start) and returns its id, read from the page's job bar (bar matches it).
func startJobOnPage(t *testing.T, b *browser, page, start, bar string) string {
	t.Helper()
	_, body := b.get(page)
	if code, loc := b.post(start, url.Values{"request_id": {requestIDRe.FindStringSubmatch(body)[1]}, "municipality_codes": {"0180"}}); code != http.StatusSeeOther {
		t.Fatalf("start a job from %s: %d %s", page, code, trim(loc))
	}
	_, body = b.get(page)
	m := regexp.MustCompile(bar).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no job on %s:\n%s", page, trim(body))
	}
	return m[1]
}

// fetchJob GETs path as the browser b, as htmx polls it (HX-Request) or as
// a direct visit, and returns the status, a redirect's target and the body.
func fetchJob(t *testing.T, b *browser, path string, htmx bool) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if htmx {
		req.Header.Set("HX-Request", "true")
	}
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if got := res.Header.Get("Vary"); res.StatusCode != http.StatusNotFound && !strings.Contains(got, "HX-Request") {
		t.Errorf("%s: Vary %q names no HX-Request", path, got)
	}
	return res.StatusCode, res.Header.Get("Location"), string(body)
}
