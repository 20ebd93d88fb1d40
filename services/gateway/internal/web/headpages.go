package web

import (
	"net/http"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// The app's own answers made from a request's head alone: a path no route
// serves, a method the address does not take, a head too large to read.
// Each is the layout in the user's language where Go's net/http answers a
// bare line of English (ADR 0132, 0166, 0173, 0180).

// NotFound is the app's own not-found page (status 404), in the user's
// language with the app's layout, for a GET of a path no route serves: a
// signed-in user who mistypes an address stays in the app rather than
// meeting Go's bare English "404 page not found". It needs no session, so
// a visitor signed out sees it too, in the browser's language.
//
// Any other method (POST, PUT, DELETE ... of a path no route serves under
// any method) gets the same page, where it got net/http's plain English
// 404 without the security headers' no-store (ADR 0180). Like
// MethodNotAllowed it reads nothing past the request's head: no body, no
// form, no CSRF check, so a post of a stale or forged form to a wrong
// address learns only that the address is not one.
func (w *Web) NotFound() http.Handler {
	get := w.wrap(Route{Method: http.MethodGet, Public: true, h: func(http.ResponseWriter, *http.Request, *page) error {
		return apperr.Errorf(apperr.NotFound, "page not found")
	}})
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			get.ServeHTTP(rw, r)
			return
		}
		p := w.headOnlyPage(rw, r)
		w.fail(rw, p, http.StatusNotFound, p.t("err.notfound"))
	})
}

// HeaderTooLarge is the app's page for a request whose address or
// cookies are longer than the gateway serves (status 431, ADR 0132):
// net/http's own answer is a line of English. The language comes from
// the browser's headers alone: the session in an over-long head is not
// looked up.
func (w *Web) HeaderTooLarge() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Cache-Control", "no-store")
		p := newPage(r)
		p.CSRF, p.Dir = w.preCSRF(rw, r), dir(p.Lang)
		w.fail(rw, p, http.StatusRequestHeaderFieldsTooLarge, p.t("err.headtoolarge"))
	})
}

// headOnlyPage is the page of an answer made from the request's head
// alone (the app's 404 and 405 for any method): not kept by caches, in
// the session's language when there is one, and nothing of the body read
// (no form, no CSRF check), so such an answer comes before any of those
// refusals (ADR 0173, 0180).
func (w *Web) headOnlyPage(rw http.ResponseWriter, r *http.Request) *page {
	rw.Header().Set("Cache-Control", "no-store")
	p := newPage(r)
	if princ, err := w.principal(r); err == nil {
		p.signedIn(princ)
	} else {
		p.CSRF = w.preCSRF(rw, r)
	}
	p.Dir = dir(p.Lang)
	return p
}

// MethodNotAllowed is the app's own page for a request whose method the
// address does not take (status 405; the caller sets the Allow header):
// the layout, the user's language and a link back, as NotFound gives a
// mistyped address, rather than Go's bare English "Method Not Allowed".
// A GET (a form's action followed as a link, or typed) is told to use the
// page's button; any other method (PUT, DELETE, TRACE ... from a script)
// that the address is opened with a link. The language is negotiated as
// for every page (the session's choice, else the mp_lang cookie, else the
// browser's), but nothing of the request is read past its head: no body,
// no form, no CSRF check, so the 405 comes before any of those refusals
// and a TRACE echoes nothing (ADR 0173).
func (w *Web) MethodNotAllowed() http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		p := w.headOnlyPage(rw, r)
		key := "err.method"
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			key = "err.method_other"
		}
		w.fail(rw, p, http.StatusMethodNotAllowed, p.t(key))
	})
}
