package web

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
)

// returnParam names the place to go back to after signing in: a query
// parameter of the sign-in page and of the single sign-on link, and a
// hidden field of the sign-in form (ADR 0185).
const returnParam = "next"

// maxReturn bounds a place's length. The app's longest page address is a
// few path segments of ids, one job id and two lists' page positions
// (ADR 0188), well under it; anything longer is no address of the app's
// own.
const maxReturn = 512

// maxPageToken bounds one page token in a place. The services' tokens are
// base64 of a short prefix, a number and an id of at most 64 bytes (about
// 120 characters); a longer one is none of theirs.
const maxPageToken = 160

// resumedParam marks a list page a sign-in went back to with its page
// token (ADR 0188): a token that no longer decodes (the list changed
// shape, a new version of the service) then opens the list's first page
// without an error, where a token typed by hand still gets the error
// page that says so (ADR 0185's "börja om från första sidan").
const resumedParam = "resumed"

// listPrefixes are the prefixes of the paged lists a place may carry a
// position of: a page's one list, and the matching page's pairs beside
// its proposals (newPager's prefix).
var listPrefixes = []string{"", "pairs_"}

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
	"/admin/organisations":              "/admin/organisations",
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
	"/dinners/signups/{id}/held":        "/dinners/signups/{id}/held",
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
// 0185). A disabled user's session is told so and to ask an
// administrator (ADR 0223). The query says only which case and the page's address (ids
// only): no address carries what was typed.
func (w *Web) signinAfter(r *http.Request, rt Route, err error) string {
	q := url.Values{}
	switch {
	case errors.Is(err, account.ErrDisabled) && r.Method == http.MethodPost:
		// A form sent as the account was turned off is not saved either,
		// and says so, as an expired one does (ADR 0227).
		q.Set("expired", "disabled_form")
	case errors.Is(err, account.ErrDisabled):
		// Not "expired": a sign-in would be refused too (ADR 0223).
		q.Set("expired", "disabled")
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

// actionPages names, for a form route whose {action} is one of a few
// forms with a page of their own, those actions: the user's e-mail change
// and erasure (ADR 0201, 0207) went back to the users list formPages names,
// where the admin had to find the user and open the form again (ADR 0219).
// Their page's address is the form's own (the GET beside the POST).
var actionPages = map[string][]string{
	"/admin/users/{id}/{action}": {"email", "erase"},
}

// rowJobPages names, for the row actions a job's page shows (approve or
// reject a proposal), the job's page: the row's form carries the job in a
// hidden field, and a session that ended goes back to that job's
// proposals rather than to the list formPages names (ADR 0188). A row
// sent from a page without a job (the seatings' follow-up) carries none
// and goes where formPages says.
var rowJobPages = map[string]string{
	"/matching/pairs/{id}/{action}":     "/matching",
	"/dinners/seatings/{id}/{action}":   "/dinners",
	"/guides/assignments/{id}/{action}": "/guides/assign",
}

// rowJob is the job a row action's form names (its hidden "job" field),
// for the row it answers with; "" when none or no id.
func rowJob(r *http.Request) string {
	if j := r.PostForm.Get("job"); ids.Valid(j) {
		return j
	}
	return ""
}

// placeOf is the page a request was on: a page's own address with the
// job it shows and where its lists were paged to (ids and offsets only),
// or a form's page from formPages with its {id} filled in, or a row
// action's job page. It is checked by returnTo.
func (w *Web) placeOf(r *http.Request, rt Route) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		q := r.URL.Query()
		kept := url.Values{}
		if j := q.Get("job"); ids.Valid(j) {
			kept.Set("job", j)
		}
		if pagedOnly(q) {
			for _, pre := range listPrefixes {
				if tok := q.Get(pre + "page_token"); pageToken(tok) {
					at := q.Get(pre + "at")
					if !offset(at) {
						at = "0" // as the pager reads a missing one
					}
					kept.Set(pre+"page_token", tok)
					kept.Set(pre+"at", at)
				}
			}
		}
		if len(kept) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + kept.Encode()
	}
	if page, ok := rowJobPages[rt.Pattern]; ok {
		if j := rowJob(r); j != "" {
			return page + "?job=" + j
		}
	}
	if slices.Contains(actionPages[rt.Pattern], r.PathValue("action")) {
		return strings.NewReplacer("{id}", r.PathValue("id"), "{action}", r.PathValue("action")).Replace(rt.Pattern)
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

// pagedOnly reports whether q holds nothing but a job and list positions
// (the pager's page_token, at and back). A list narrowed by a search or a
// filter keeps neither (they can name a person, ADR 0185), and its page
// token continues the narrowed list: without them it would name a place
// in another list, so such a list comes back at its first page.
func pagedOnly(q url.Values) bool {
	for k := range q {
		switch strings.TrimPrefix(k, "pairs_") {
		case "job", "page_token", "at", "back", resumedParam:
		default:
			return false
		}
	}
	return true
}

// returnTo returns raw when it is an address of one of the app's own
// pages a signed-in user may open, as the app itself writes it, and ""
// otherwise (the caller then goes to the overview). It is an open
// redirect's door, so it admits only what it knows: a path of ids and
// route words ([A-Za-z0-9_-] segments, so no "//", "\", "%", scheme,
// host, control character, space or letter outside ASCII), no "." or
// ".." segment, matching a GET page route that needs a session (not a
// CSV download, not sign-in or setup), and at most the query of placeOf:
// job=<id> and a list's page_token=<token>&at=<offset> (for two lists,
// pairs_ ones too), each at most once. placeOf drops any other query,
// and returnTo refuses a place with one: a list's search and filters can
// name a person (ADR 0185). A page token is opaque to the gateway, so it
// is held to its alphabet (base64url, the ids' [A-Za-z0-9_-]) and
// maxPageToken; whether it still decodes only its service can tell, and
// resumedParam makes one that does not open the first page (ADR 0188).
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
		q, ok := placeQuery(query)
		if !ok {
			return ""
		}
		out += "?" + q
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

// placeQuery checks a place's query, as placeOf writes it, and returns it
// in one order with resumedParam added when it carries a page token; ok
// is false for anything else. Every value admitted is letters, digits,
// "-" and "_", so the query needs no escaping and carries no separator.
func placeQuery(query string) (string, bool) {
	got := map[string]string{}
	for _, kv := range strings.Split(query, "&") {
		k, v, ok := strings.Cut(kv, "=")
		if _, dup := got[k]; !ok || dup {
			return "", false
		}
		switch strings.TrimPrefix(k, "pairs_") {
		case "job":
			ok = k == "job" && ids.Valid(v)
		case "page_token":
			ok = pageToken(v)
		case "at":
			ok = offset(v)
		case resumedParam:
			ok = k == resumedParam && v == "1"
		default:
			ok = false
		}
		if !ok {
			return "", false
		}
		got[k] = v
	}
	var out []string
	if j, ok := got["job"]; ok {
		out = append(out, "job="+j)
	}
	position := false
	for _, pre := range listPrefixes {
		tok, hasTok := got[pre+"page_token"]
		at, hasAt := got[pre+"at"]
		if hasTok != hasAt {
			return "", false // a position is a token and its offset
		}
		if hasTok {
			out = append(out, pre+"page_token="+tok, pre+"at="+at)
			position = true
		}
	}
	if _, ok := got[resumedParam]; ok && !position {
		return "", false
	}
	if position {
		out = append(out, resumedParam+"=1")
	}
	return strings.Join(out, "&"), true
}

// pageToken reports whether tok can be a service's page token: not empty,
// at most maxPageToken long, base64url letters only.
func pageToken(tok string) bool {
	if tok == "" || len(tok) > maxPageToken {
		return false
	}
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// offset reports whether s is a list offset as the pager writes it: a
// number without sign or leading zero, at most seven digits.
func offset(s string) bool {
	if s == "" || len(s) > 7 || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
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
