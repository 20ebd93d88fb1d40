// Package assets serves the gateway's static files (style sheets, scripts)
// at addresses that change with their content (ADR 0135): a page links
// "/static/app.css?v=<hash of the bytes>", which is cached for a year and
// marked immutable, so a deploy that changes the bytes changes the address
// and every browser fetches the new file on its next page. The old
// address, with no hash or another one, still answers (a page a browser
// holds from before the deploy links it), with today's bytes and no-cache,
// so nothing stale is kept under it either.
package assets

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

//go:embed static
var embedded embed.FS

// Prefix is the path every asset is served under.
const Prefix = "/static/"

// Cache-Control values: a versioned address never changes its bytes; any
// other is checked with the server on every use (the ETag makes that a 304).
const (
	cacheVersioned   = "public, max-age=31536000, immutable"
	cacheUnversioned = "no-cache"
)

// Set is a tree of files with the hash of each, computed once.
type Set struct {
	fsys  fs.FS
	files http.Handler
	// sums maps a file's name (as under Prefix) to the hash its address carries.
	sums map[string]string
}

// New hashes every file of fsys. It reads each file once, at start: the
// files are embedded, so their bytes cannot change while the process runs.
func New(fsys fs.FS) (*Set, error) {
	s := &Set{fsys: fsys, files: http.StripPrefix(strings.TrimSuffix(Prefix, "/"), http.FileServerFS(fsys)), sums: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		// 12 hex digits (48 bits) tell a few files' versions apart; the
		// address stays short.
		s.sums[path] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Static is the gateway's own embedded files, hashed on first use.
var Static = sync.OnceValue(func() *Set {
	sub, err := fs.Sub(embedded, "static")
	if err == nil {
		var s *Set
		if s, err = New(sub); err == nil {
			return s
		}
	}
	// Embedded files that cannot be read are a broken build, not a
	// condition a running gateway meets.
	panic("assets: " + err.Error())
})

// URL is the versioned address of the file name ("app.css"). A name the
// set lacks gets its plain address, so a typo shows as a 404 in the
// browser rather than breaking the page's rendering.
func (s *Set) URL(name string) string {
	if sum, ok := s.sums[name]; ok {
		return Prefix + name + "?v=" + sum
	}
	return Prefix + name
}

// Has reports whether name (as under Prefix: "app.css") is one of the
// files, not a folder or a name no file has.
func (s *Set) Has(name string) bool {
	_, ok := s.sums[name]
	return ok
}

// Read returns a file's bytes (tests check the style sheets' rules).
func (s *Set) Read(name string) ([]byte, error) {
	return fs.ReadFile(s.fsys, name)
}

// ServeHTTP serves the file under Prefix, cached long at its versioned
// address and revalidated at any other.
func (s *Set) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	if sum, ok := s.sums[name]; ok {
		cache := cacheUnversioned
		if r.URL.Query().Get("v") == sum {
			cache = cacheVersioned
		}
		rw.Header().Set("Cache-Control", cache)
		rw.Header().Set("ETag", `"`+sum+`"`)
	} else {
		rw.Header().Set("Cache-Control", cacheUnversioned)
	}
	s.files.ServeHTTP(rw, r)
}
