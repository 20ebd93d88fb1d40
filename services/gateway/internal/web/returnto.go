package web

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/motesplats/motesplats/pkg/ids"
)

// returnParam names the place to go back to after signing in: a query
// parameter of the sign-in page and of the single sign-on link, and a
// hidden field of the sign-in form (ADR 0185).
const returnParam = "next"

// maxReturn bounds a place's length. The app's longest page address is a
// few path segments of ids and one job id, well under it; anything longer
// is no address of the app's own.
const maxReturn = 256

// formPages names, for each form (a POST route), the page it is on: where
// a form refused because the session had ended goes back to after signing
// in again, the page opened afresh and empty. The post is never replayed:
// what was typed is gone, and the sign-in page says so (ADR 0178). A
// POST route missing here (sign-out, the public ones) goes to the
// overview; TestFormPagesAreGetRoutes keeps the table whole.
var formPages = map[string]string{
	"/participants":                     "/participants/new",
	"/participants/search":              "/participants",
	"/participants/{id}":                "/participants/{id}",
	"/participants/{id}/delete":         "/participants/{id}/remove",
	"/participants/{id}/erase":          "/participants/{id}/remove",
	"/volunteers":                       "/volunteers/new",
	"/volunteers/search":                "/volunteers",
	"/volunteers/{id}":                  "/volunteers/{id}",
	"/volunteers/{id}/delete":           "/volunteers/{id}/remove",
	"/volunteers/{id}/erase":            "/volunteers/{id}/remove",
	"/matching/jobs":                    "/matching",
	"/matching/bulk":                    "/matching",
	"/matching/pairs/{id}/{action}":     "/matching",
	"/pairs/{id}/{action}":              "/pairs/{id}",
	"/admin/users":                      "/admin/users",
	"/admin/users/{id}/{action}":        "/admin/users",
	"/admin/deadletters/{id}/{action}":  "/admin/deadletters/{id}",
	"/dinners/jobs":                     "/dinners",
	"/dinners/offers":                   "/dinners/offers/new",
	"/dinners/offers/{id}":              "/dinners/offers/{id}/edit",
	"/dinners/offers/{id}/delete":       "/dinners/offers",
	"/dinners/offers/{id}/cancel":       "/dinners/offers",
	"/dinners/signups":                  "/dinners/signups/new",
	"/dinners/signups/{id}":             "/dinners/signups/{id}/edit",
	"/dinners/signups/{id}/delete":      "/dinners/signups",
	"/dinners/seatings/{id}/{action}":   "/dinners/seatings",
	"/guides/rules":                     "/guides",
	"/guides/jobs":                      "/guides/assign",
	"/guides/assignments/{id}/{action}": "/guides/assignments",
}

// signinAfter is where a request without a valid session is sent: the
// sign-in page, told why when the user had been signed in, and told where
// the user was. A form (every POST here) is only shown to a signed-in
// user, so one that arrives without a session was opened before the
// session ended and is not saved; a session cookie the gateway no longer
// knows has expired. A plain sign-in page for both left a coordinator
// who had typed a whole form wondering where it went (outside round s32,
// ADR 0178), and signing in again led to the overview, not back (ADR
// 0185). The query says only which case and the page's address (ids
// only): no address carries what was typed.
func (w *Web) signinAfter(r *http.Request, rt Route) string {
	q := url.Values{}
	switch {
	case r.Method == http.MethodPost:
		q.Set("expired", "form")
	default:
		if _, err := r.Cookie(sessionCookie); err == nil {
			q.Set("expired", "1")
		}
	}
	if to := w.returnTo(w.placeOf(r, rt)); to != "" && to != "/" { // the overview is the default
		q.Set(returnParam, to)
	}
	if len(q) == 0 {
		return "/signin"
	}
	return "/signin?" + q.Encode()
}

// placeOf is the page a request was on: a page's own address with the
// job it shows (the only query kept, an id), or a form's page from
// formPages with its {id} filled in. It is checked by returnTo.
func (w *Web) placeOf(r *http.Request, rt Route) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		p := r.URL.Path
		if j := r.URL.Query().Get("job"); ids.Valid(j) {
			p += "?job=" + j
		}
		return p
	}
	back, ok := formPages[rt.Pattern]
	if !ok {
		return ""
	}
	if strings.Contains(back, "{id}") {
		back = strings.Replace(back, "{id}", r.PathValue("id"), 1)
	}
	return back
}

// returnTo returns raw when it is an address of one of the app's own
// pages a signed-in user may open, as the app itself writes it, and ""
// otherwise (the caller then goes to the overview). It is an open
// redirect's door, so it admits only what it knows: a path of ids and
// route words ([A-Za-z0-9_-] segments, so no "//", "\", "%", scheme,
// host, control character, space or letter outside ASCII), no "." or
// ".." segment, matching a GET page route that needs a session (not a
// CSV download, not sign-in or setup), and at most the query job=<id>.
// placeOf drops any other query, and returnTo refuses a place with one:
// a list's search and filters can name a person, and a page token only
// saves paging on from the first page (ADR 0185).
func (w *Web) returnTo(raw string) string {
	if raw == "" || len(raw) > maxReturn || raw[0] != '/' {
		return ""
	}
	p, query, _ := strings.Cut(raw, "?")
	if p != "/" {
		for _, seg := range strings.Split(p[1:], "/") {
			if !ids.Valid(seg) {
				return ""
			}
		}
	}
	if path.Clean(p) != p {
		return ""
	}
	out := p
	if query != "" {
		job, ok := strings.CutPrefix(query, "job=")
		if !ok || !ids.Valid(job) {
			return ""
		}
		out += "?job=" + job
	}
	u, err := url.Parse(out)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || u.Path != p {
		return ""
	}
	if _, pattern := w.pages.Handler(&http.Request{Method: http.MethodGet, URL: u, Host: "app"}); pattern == "" {
		return ""
	}
	return out
}

// pageMux matches the pages a place may name: every GET route that needs
// a session, but the downloads (Token routes: a file, not a page to
// land on).
func pageMux(routes []Route) *http.ServeMux {
	m := http.NewServeMux()
	for _, rt := range routes {
		if rt.Method == http.MethodGet && !rt.Public && !rt.Token {
			m.Handle("GET "+rt.Pattern, http.NotFoundHandler())
		}
	}
	return m
}

// landing is where a successful sign-in goes: the place carried, checked
// again (it came back from the browser), or the overview.
func (w *Web) landing(raw string) string {
	if to := w.returnTo(raw); to != "" {
		return to
	}
	return "/"
}
