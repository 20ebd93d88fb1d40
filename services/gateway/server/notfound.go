package server

import (
	"net/http"
	"strings"
)

// notFoundPage serves notFound for a GET or HEAD of a path that no route
// matches under any method, and notAllowed (status 405 with the Allow
// header the mux would send) for a GET or HEAD of a path served only for
// other methods: a person who follows or types the address of a form's
// action stays in the app rather than meeting Go's bare English "405
// method not allowed". Everything else goes to mux unchanged: other
// methods on unknown paths keep the mux's 404 and on known paths its 405,
// as API clients and the hostile-input and access sweeps expect.
func notFoundPage(mux *http.ServeMux, notFound, notAllowed http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			mux.ServeHTTP(w, r)
			return
		}
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// No GET route: is the path served for another method (405)?
		var allow []string
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			notAllowed.ServeHTTP(w, r)
			return
		}
		notFound.ServeHTTP(w, r)
	})
}
