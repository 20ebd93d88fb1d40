package server

import (
	"net/http"
	"strings"
)

// errorPages are the app's own pages for what the mux would answer in
// Go's bare English text.
type errorPages struct {
	// notFound is the web app's 404 page, for a path no route serves
	// under any method, whatever the method.
	notFound http.Handler
	// notAllowed is the web app's 405 page, for a request whose path a
	// route serves under other methods only.
	notAllowed http.Handler
	// linkNotAllowed is the answer page's 405, for such a request under
	// linkPrefix: a link's page is in the browser's language among the
	// languages links are sent in, and its address is a secret.
	linkNotAllowed http.Handler
	// consentNotAllowed is the consent text page's 405, for such a request
	// under consentPrefix: a text's link is sent to newcomers, so its page
	// is in their language, as the answer page's (ADR 0180).
	consentNotAllowed http.Handler
	// api reports whether a mounted pattern is a Connect service's: its
	// handler answers a method it does not take as the Connect protocol
	// says (405, Allow naming POST, and GET for a method without side
	// effects; no body), which Connect and gRPC clients expect.
	api func(pattern string) bool
}

// linkPrefix is the answer links' path prefix (internal/answer).
const linkPrefix = "/a/"

// consentPrefix is the consent texts' path prefix (internal/consentpage).
const consentPrefix = "/consent/"

// probeMethods are the methods a route may be mounted for, in the order
// the Allow header lists them (the mux's own order: sorted).
var probeMethods = []string{http.MethodDelete, http.MethodGet, http.MethodPatch, http.MethodPost, http.MethodPut}

// withErrorPages answers, in front of mux:
//   - a request of a path that no route serves under any method with the
//     app's not-found page, whatever its method: a POST, PUT or DELETE
//     got the mux's plain English 404 before ADR 0180 (an API client
//     reads the status alone; a Connect client calling an unknown service
//     gets 404, Unimplemented, as before);
//   - any request whose method the path's routes do not take (PUT, PATCH,
//     DELETE, OPTIONS, TRACE or any other on a page, a link, sign-in, the
//     assets, health; a GET of a form's action) with 405, the Allow
//     header the mux would send and the app's own page in the user's
//     language (the answer or consent page's own, in the eight languages
//     links are sent in, under their prefixes), or the Connect handler's
//     own 405 on an API path (ADR 0173, 0180).
//
// Every answer passes through secure, so the 405 carries the security
// headers every page has; the pages add Cache-Control: no-store. Nothing
// of the request past its head is read or repeated, so a TRACE echoes
// nothing.
func withErrorPages(mux *http.ServeMux, pg errorPages) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// No route for this method: is the path served for another
		// (405)?
		var allow []string
		var api http.Handler
		for _, m := range probeMethods {
			probe := r.Clone(r.Context())
			probe.Method = m
			h, pattern := mux.Handler(probe)
			if pattern == "" {
				continue
			}
			if pg.api(pattern) {
				api = h
			}
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
		switch {
		case api != nil:
			api.ServeHTTP(w, r)
		case len(allow) > 0:
			w.Header().Set("Allow", strings.Join(allow, ", "))
			if strings.HasPrefix(r.URL.Path, linkPrefix) {
				pg.linkNotAllowed.ServeHTTP(w, r)
				return
			}
			if strings.HasPrefix(r.URL.Path, consentPrefix) {
				pg.consentNotAllowed.ServeHTTP(w, r)
				return
			}
			pg.notAllowed.ServeHTTP(w, r)
		default:
			pg.notFound.ServeHTTP(w, r)
		}
	})
}

// apiPatterns reports whether a pattern is one of the Connect services'
// paths mounted by Run ("POST /motesplats.gateway.v1.UserService/").
func apiPatterns(paths map[string]http.Handler) func(pattern string) bool {
	return func(pattern string) bool {
		_, path, _ := strings.Cut(pattern, " ")
		_, ok := paths[path]
		return ok
	}
}
