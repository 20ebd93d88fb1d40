package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// A search by name keeps the typed name out of every URL (no personal
// data in URLs: they end up in access logs, browser history and referrer
// headers). The list's filter form posts to /<list>/search, which keeps
// the name in a short-lived cookie scoped to the list's path and redirects
// to the list with the other filters and search=1. The list reads the
// name from the cookie only when search=1 is in its URL, so its pager
// links keep the search while a plain link to the list is never filtered
// by an old search. See docs/adr/0084-blind-name-index.md.

// searchCookieMaxAge is how long a name search is kept: a sitting.
const searchCookieMaxAge = 30 * 60

// maxSearchBytes caps what the cookie keeps; the service refuses anything
// longer than its 100 characters with a field violation shown on the list.
const maxSearchBytes = 1024

// listFilters are the filters the list pages carry in their URLs.
var listFilters = []string{"municipality_code", "language", "swedish_level"}

func searchCookie(list string) string { return "mp_search_" + list }

// nameSearch handles the filter form of list ("participants" or
// "volunteers").
func (w *Web) nameSearch(list string) handler {
	return func(rw http.ResponseWriter, r *http.Request, _ *page) error {
		q := url.Values{}
		for _, k := range listFilters {
			if v := r.PostForm.Get(k); v != "" {
				q.Set(k, v)
			}
		}
		name := strings.TrimSpace(r.PostForm.Get("name"))
		if len(name) > maxSearchBytes {
			name = name[:maxSearchBytes]
		}
		c := &http.Cookie{Name: searchCookie(list), Path: "/" + list, HttpOnly: true, Secure: w.opts.SecureCookies,
			SameSite: http.SameSiteLaxMode, MaxAge: -1}
		if name != "" {
			c.Value, c.MaxAge = base64.RawURLEncoding.EncodeToString([]byte(name)), searchCookieMaxAge
			q.Set("search", "1")
		}
		http.SetCookie(rw, c)
		to := "/" + list
		if len(q) > 0 {
			to += "?" + q.Encode()
		}
		http.Redirect(rw, r, to, http.StatusSeeOther)
		return nil
	}
}

// searchedName returns the name searched on list's page, "" when the page
// is not a search. It is set into the form, so the field shows it.
func searchedName(r *http.Request, p *page, list string) string {
	if r.URL.Query().Get("search") != "1" {
		return ""
	}
	c, err := r.Cookie(searchCookie(list))
	if err != nil {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return ""
	}
	name := string(b)
	p.Form.Set("name", name)
	return name
}
