package assets

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestAddressFollowsTheBytes: a change of a file's bytes changes its
// address, and only that file's.
func TestAddressFollowsTheBytes(t *testing.T) {
	t.Parallel()
	before, err := New(fstest.MapFS{"app.css": {Data: []byte("body{color:red}")}, "app.js": {Data: []byte("x()")}})
	if err != nil {
		t.Fatal(err)
	}
	after, err := New(fstest.MapFS{"app.css": {Data: []byte("body{color:blue}")}, "app.js": {Data: []byte("x()")}})
	if err != nil {
		t.Fatal(err)
	}
	if got := before.URL("app.css"); !strings.HasPrefix(got, "/static/app.css?v=") {
		t.Errorf("URL(app.css) = %q, want /static/app.css?v=<hash>", got)
	}
	if before.URL("app.css") == after.URL("app.css") {
		t.Errorf("app.css changed, its address did not: %s", after.URL("app.css"))
	}
	if before.URL("app.js") != after.URL("app.js") {
		t.Errorf("app.js did not change, its address did: %s, %s", before.URL("app.js"), after.URL("app.js"))
	}
	if got, want := before.URL("none.css"), "/static/none.css"; got != want {
		t.Errorf("URL(none.css) = %q, want %q", got, want)
	}
}

// TestCacheHeaders: the versioned address is cached a year and immutable;
// the plain address and an earlier version's still answer with today's
// bytes, revalidated on every use; the ETag makes a revalidation a 304.
func TestCacheHeaders(t *testing.T) {
	t.Parallel()
	s := Static()
	want, err := s.Read("app.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, cache string }{
		{"versioned", s.URL("app.css"), cacheVersioned},
		{"plain", "/static/app.css", "no-cache"},
		{"earlier version", "/static/app.css?v=000000000000", "no-cache"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != http.StatusOK || rec.Body.String() != string(want) {
				t.Fatalf("GET %s = %d with %d bytes, want 200 with app.css's %d", tc.path, rec.Code, rec.Body.Len(), len(want))
			}
			if got := rec.Header().Get("Cache-Control"); got != tc.cache {
				t.Errorf("GET %s: Cache-Control %q, want %q", tc.path, got, tc.cache)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
				t.Errorf("GET %s: Content-Type %q, want text/css", tc.path, ct)
			}
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
			rec = httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != http.StatusNotModified {
				t.Errorf("GET %s with its ETag = %d, want 304", tc.path, rec.Code)
			}
		})
	}
	if got := cacheVersioned; !strings.Contains(got, "immutable") || !strings.Contains(got, "max-age=31536000") {
		t.Errorf("versioned Cache-Control %q is not a year and immutable", got)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/static/none.css", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /static/none.css = %d, want 404", rec.Code)
	}
}
