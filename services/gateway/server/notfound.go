package server

import "net/http"

// notFoundPage serves notFound for a GET or HEAD of a path that no route
// matches under any method, and passes everything else to mux unchanged:
// a path served only for another method still answers 405, and other
// methods on unknown paths keep the mux's 404, as API clients and the
// hostile-input and access sweeps expect.
func notFoundPage(mux *http.ServeMux, notFound http.Handler) http.Handler {
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
		for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" {
				mux.ServeHTTP(w, r)
				return
			}
		}
		notFound.ServeHTTP(w, r)
	})
}
