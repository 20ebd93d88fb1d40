package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestPlaceKeepsTheListPage: a list's place carries where it was paged to
// (the token and the offset, no stack of earlier pages), but not when a
// search or filter narrowed it; the gate admits a position only in the
// shape placeOf writes, marked resumed, and refuses any other (ADR 0188).
func TestPlaceKeepsTheListPage(t *testing.T) {
	w := &Web{}
	routes := w.Routes()
	w.pages = pageMux(routes)
	tok := "djE6MDE5MGMzZDItN2IxZS03Y2MwLTlhNGUtMWYyZDNjNGI1YTY5" // page.Encode of an id
	get := Route{Method: http.MethodGet}
	for _, tc := range []struct{ in, want string }{
		{"/matching/waiting?page_token=" + tok + "&at=150&back=&back=x&back=y", "/matching/waiting?page_token=" + tok + "&at=150&resumed=1"},
		{"/matching/waiting?page_token=" + tok, "/matching/waiting?page_token=" + tok + "&at=0&resumed=1"},
		{"/matching?job=j-1&pairs_page_token=" + tok + "&pairs_at=50&pairs_back=", "/matching?job=j-1&pairs_page_token=" + tok + "&pairs_at=50&resumed=1"},
		{"/matching/waiting?page_token=" + tok + "&at=150&resumed=1", "/matching/waiting?page_token=" + tok + "&at=150&resumed=1"},
		{"/participants?municipality_code=0180&page_token=" + tok + "&at=50", "/participants"},
		{"/participants?search=Anna&page_token=" + tok + "&at=50", "/participants"},
		{"/matching/waiting?page_token=" + tok + "%2E&at=50", "/matching/waiting"},
		{"/matching?job=j-1", "/matching?job=j-1"},
	} {
		r := httptest.NewRequest(http.MethodGet, tc.in, nil)
		if got := w.returnTo(w.placeOf(r, get)); got != tc.want {
			t.Errorf("placeOf(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
	long := strings.Repeat("A", maxPageToken+1)
	for _, bad := range []string{
		"/matching/waiting?page_token=" + tok, // no offset
		"/matching/waiting?at=50",
		"/matching/waiting?page_token=" + tok + "&at=50&page_token=" + tok,
		"/matching/waiting?page_token=" + tok + "&at=-1", "/matching/waiting?page_token=" + tok + "&at=050",
		"/matching/waiting?page_token=" + tok + "&at=12345678", "/matching/waiting?page_token=" + tok + "&at=1e3",
		"/matching/waiting?page_token=" + long + "&at=50", "/matching/waiting?page_token=djE6eA==&at=50",
		"/matching/waiting?page_token=djE6eA%3D%3D&at=50", "/matching/waiting?page_token=djE6/eA&at=50",
		"/matching/waiting?page_token=djE6+eA&at=50", "/matching/waiting?page_token=djE6.eA&at=50",
		"/matching/waiting?page_token=&at=50", "/matching/waiting?page_token=" + tok + "&at=50&back=x",
		"/matching/waiting?page_token=" + tok + "&at=50&resumed=2", "/matching/waiting?resumed=1",
		"/matching?job=j-1&resumed=1", "/matching/waiting?page_token=" + tok + "&at=50&search=Anna",
		"/matching/waiting?Page_token=" + tok + "&at=50", "/matching/waiting?pairs_job=x",
		"/matching/waiting?page_token=" + tok + "&at=50#x", "/matching/waiting?page_token=" + tok + "&at=50&",
		"/matching/waiting?page_token=" + tok + "&&at=50", "/matching/waiting?page_token=ｄjE6eA&at=50",
	} {
		if got := w.returnTo(bad); got != "" {
			t.Errorf("returnTo(%q) = %q, want none", bad, got)
		}
	}
}

// TestRowActionGoesBackToItsJob: an approve or reject sent from a job's
// page names the job in its form, and a session that ended goes back to
// that job's page; without a job (or with one that is no id) it goes
// where formPages says, as before (ADR 0188).
func TestRowActionGoesBackToItsJob(t *testing.T) {
	w := &Web{}
	routes := w.Routes()
	w.pages = pageMux(routes)
	for _, tc := range []struct{ pattern, path, job, want string }{
		{"/matching/pairs/{id}/{action}", "/matching/pairs/p-1/approve", "j-1", "/matching?job=j-1"},
		{"/matching/pairs/{id}/{action}", "/matching/pairs/p-1/reject", "", "/matching"},
		{"/matching/pairs/{id}/{action}", "/matching/pairs/p-1/reject", "//evil.example", "/matching"},
		{"/dinners/seatings/{id}/{action}", "/dinners/seatings/s-1/approve", "j-2", "/dinners?job=j-2"},
		{"/dinners/seatings/{id}/{action}", "/dinners/seatings/s-1/rsvp", "", "/dinners/seatings"},
		{"/guides/assignments/{id}/{action}", "/guides/assignments/a-1/approve", "j-3", "/guides/assign?job=j-3"},
		{"/guides/assignments/{id}/{action}", "/guides/assignments/a-1/end", "", "/guides/assignments"},
	} {
		form := url.Values{"csrf": {"x"}}
		if tc.job != "" {
			form.Set("job", tc.job)
		}
		r := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if err := r.ParseForm(); err != nil {
			t.Fatal(err)
		}
		// PathValue needs the route's match: serve r through it.
		var got string
		m := http.NewServeMux()
		m.HandleFunc("POST "+tc.pattern, func(_ http.ResponseWriter, r *http.Request) {
			got = w.returnTo(w.placeOf(r, Route{Method: http.MethodPost, Pattern: tc.pattern}))
		})
		m.ServeHTTP(httptest.NewRecorder(), r)
		if got != tc.want {
			t.Errorf("%s with job %q: %q, want %q", tc.path, tc.job, got, tc.want)
		}
	}
}
