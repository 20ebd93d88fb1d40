package server_test

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/motesplats/motesplats/services/gateway/internal/api"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

// publicRoutes are the routes the gateway mounts that need no session, so
// no access sweep reaches them (ADR 0166), each with the hostile cases
// TestPublicRouteSweep sends it beside the ones every route gets (wrong
// methods, HEAD, huge and non-UTF-8 queries, many parameters). The guard
// (TestEveryRouteIsSwept) fails on a mounted route that is neither here
// nor swept elsewhere, and on an entry here that is not mounted.
var publicRoutes = map[string]func(s *pubSweep, path string){
	"GET /healthz":    nil,
	"GET /readyz":     nil,
	"GET /static/":    (*pubSweep).assetPaths,
	"GET /a/{token}":  (*pubSweep).answerLinks,
	"POST /a/{token}": (*pubSweep).answerPosts,
	"GET /a/":         nil, // answerLinks and answerPosts send its addresses (notLinks)
	"POST /a/":        nil,
	"GET /consent/{purpose}/{version}/{lang}": (*pubSweep).consentPaths,
	"GET /signin":               nil,
	"POST /signin":              (*pubSweep).signinPosts,
	"GET /setup":                (*pubSweep).setupLinks,
	"POST /setup":               (*pubSweep).setupPosts,
	"POST /settings/locale":     (*pubSweep).localePosts,
	"GET /signin/oidc":          nil,
	"GET /signin/oidc/callback": (*pubSweep).oidcCallbacks,
}

// sweptElsewhere names the sweep that covers a mounted pattern, or "":
// the Connect services' methods are enumerated from their descriptors by
// the API sweeps (TestAccessSweep, TestAccessSweepSignedOut,
// TestHostileInputProgrammes; TestSweepsSeeEveryMountedService keeps
// the mounted and the enumerated services one set), and the web routes
// that need a session from web.Routes() by the access sweeps.
func sweptElsewhere(pattern string) string {
	method, path, _ := strings.Cut(pattern, " ")
	if _, ok := api.Handlers(&core.Gateway{}, nil, nil)[path]; ok {
		return "the API sweeps"
	}
	for _, rt := range (&web.Web{}).Routes() {
		if !rt.Public && rt.Method == method && rt.Pattern == path {
			return "the access sweeps"
		}
	}
	return ""
}

// TestEveryRouteIsSwept: every pattern the gateway's mux serves (as the
// server mounted it, single sign-on on) is swept, by the API or access
// sweeps or by TestPublicRouteSweep, so a route added to server.go, or a
// public page added to the web app, fails here until it is.
func TestEveryRouteIsSwept(t *testing.T) {
	t.Parallel()
	idp := newProvider(t)
	e := start(t, envOptions{oidc: idp.config()})
	if len(e.routes) < 100 {
		t.Fatalf("the gateway reported %d routes: %v", len(e.routes), e.routes)
	}
	mounted := map[string]bool{}
	for _, p := range e.routes {
		mounted[p] = true
		if _, public := publicRoutes[p]; public {
			if by := sweptElsewhere(p); by != "" {
				t.Errorf("%s is in publicRoutes and swept by %s: take it out of publicRoutes", p, by)
			}
			continue
		}
		if sweptElsewhere(p) == "" {
			t.Errorf("%s is mounted but in no sweep. If it needs a session, make it a web.Route without Public (the access sweeps "+
				"enumerate web.Routes()); if it is public, add it to publicRoutes in sweep_public_test.go with its hostile cases", p)
		}
	}
	for p := range publicRoutes {
		if !mounted[p] {
			t.Errorf("%s is in publicRoutes but the gateway does not mount it: take it out, or mount it", p)
		}
	}

	// Every route, public, signed-in or API, sent the methods it does not
	// take: the gateway's 405 (ADR 0173). Signed out: the 405 comes
	// before the session is asked for.
	s := &pubSweep{t: t, e: e, addr: strings.TrimPrefix(e.base, "http://"), mounted: mounted, swept: map[string]bool{},
		links: map[string]*link{"B": {token: "notALinkButWellFormed0123456789abcdefghijkl"}}, oracle: allowOracle(e.routes)}
	s.signedInHeaders()
	for _, p := range e.routes {
		s.wrongMethods(s.oracle, p)
	}
	t.Logf("%d requests with a method their route does not take", s.n)
	n := s.n
	// And every method on paths no route takes under any: the app's 404
	// (ADR 0180).
	s.unknownMethods()
	t.Logf("%d requests to unknown paths", s.n-n)
	if s.n < 300 {
		t.Errorf("sent only %d requests", s.n)
	}
}

// hreq is one request of the sweep, sent as written (the target is not
// cleaned or re-encoded on the way).
type hreq struct {
	method, target string
	header         map[string]string
	body           []byte
	// lang is the language the page must be in when it is one a person
	// reads (HTML): the browser's, or the person's whose link it is.
	lang string
	// accept is the browser's Accept-Language, when it is not lang.
	accept string
	// allow is personal data this request may show: its own link's offer.
	allow []string
	// want, when set, are the statuses the case must get.
	want []int
	// pageLang, when set, is the page's language by status, where it is
	// not lang (a link's page is in its person's).
	pageLang func(code int) string
	// netHTTP marks a request net/http refuses before any handler (a raw
	// NUL): its plain answer carries no headers of the gateway's.
	netHTTP bool
}

// hres is what came back.
type hres struct {
	code   int
	header http.Header
	body   string
}

// goText is what Go's errors and panics write, which no page may show.
var goText = regexp.MustCompile(`goroutine \d|panic|runtime error|\.go:\d|rpc error|http: |net/http|unexpected EOF|invalid URL escape|` +
	`nil pointer|strconv\.|json: |proto: |desc = |Internal Server Error|404 page not found`)

// send writes r on a connection of its own and reads the answer; the body
// is written beside the read, as a server may answer (413) before
// reading it all.
func (s *pubSweep) send(r hreq) hres {
	s.t.Helper()
	s.n++
	conn, err := net.DialTimeout("tcp", s.addr, 10*time.Second)
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", r.method, r.target, s.addr)
	if accept := cmp.Or(r.accept, r.lang); accept != "" {
		fmt.Fprintf(&head, "Accept-Language: %s\r\n", accept)
	}
	for k, v := range r.header {
		fmt.Fprintf(&head, "%s: %s\r\n", k, v)
	}
	if r.body != nil || r.method == http.MethodPost {
		fmt.Fprintf(&head, "Content-Length: %d\r\n", len(r.body))
	}
	head.WriteString("\r\n")
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = conn.Write(append(head.Bytes(), r.body...))
	}()
	defer wg.Wait()
	res, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: r.method})
	if err != nil {
		s.t.Errorf("%s %.80s: no answer: %v", r.method, r.target, err)
		return hres{}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	return hres{code: res.StatusCode, header: res.Header, body: string(b)}
}

// check sends r and holds its answer to what every public answer must be:
// no 5xx, no Go error text, nobody's personal data but what r allows, no
// caching of a person's data, the signed-in pages' security headers, and
// a page a person reads in r.lang.
func (s *pubSweep) check(what string, r hreq) hres {
	s.t.Helper()
	res := s.send(r)
	if res.code == 0 {
		return res
	}
	name := fmt.Sprintf("%s %.100s (%s)", r.method, r.target, what)
	fail := func(format string, args ...any) {
		s.t.Helper()
		s.t.Errorf("%s: %d: %s\n%s", name, res.code, fmt.Sprintf(format, args...), trim(visibleText(res.body)))
	}
	if res.code >= 500 {
		fail("a server error")
	}
	if len(r.want) > 0 && !slices.Contains(r.want, res.code) {
		fail("want %v", r.want)
	}
	if r.want == nil && res.code == http.StatusTooManyRequests {
		fail("rate-limited, though the sweep's limits are far away")
	}
	if m := goText.FindString(res.body); m != "" {
		fail("Go's text %q in the body", m)
	}
	personal := false
	for _, p := range s.personal {
		if strings.Contains(res.body, p) {
			personal = true
			if !slices.Contains(r.allow, p) {
				fail("shows %q, another person's", p)
			}
		}
	}
	// An answer link's GET is a secret's address: even its 404 is not to
	// be kept (404s are cacheable by default).
	link := strings.HasPrefix(r.target, "/a/") && (r.method == http.MethodGet || r.method == http.MethodHead)
	if (personal || link) && !strings.Contains(res.header.Get("Cache-Control"), "no-store") {
		fail("Cache-Control %q on a person's page or link", res.header.Get("Cache-Control"))
	}
	if loc := res.header.Get("Location"); loc != "" {
		// Only single sign-on's start may send the browser elsewhere,
		// to the provider.
		u, err := url.Parse(loc)
		if err != nil || strings.HasPrefix(loc, "//") || strings.Contains(loc, "\\") ||
			(u.Host != "" && !strings.HasPrefix(loc, s.issuer+"/")) {
			fail("sends the browser to %q, off the gateway", loc)
		}
	}
	if r.netHTTP {
		return res
	}
	for h, want := range s.headers {
		if got := res.header.Get(h); got != want {
			fail("%s %q, the signed-in pages send %q", h, got, want)
		}
	}
	lang := r.lang
	if r.pageLang != nil {
		lang = r.pageLang(res.code)
	}
	if lang != "" && r.method != http.MethodHead && (res.code < 300 || res.code >= 400) && strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		if !strings.Contains(res.body, `<html lang="`+lang+`"`) {
			fail("not in %s", lang)
		}
	}
	return res
}

// securityHeaders are the headers the sweep compares with a signed-in
// page's.
var securityHeaders = []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Permissions-Policy"}

// fill is a path of pattern that the route serves: real values for its
// wildcards (a link of someone's, a published consent text, a style
// sheet), "x" for any other (an id: the method sweep's requests are
// refused before one is read).
func (s *pubSweep) fill(pattern string) string {
	path := strings.NewReplacer("{token}", s.links["B"].token, "{purpose}", "mentoring", "{version}", "2026-01", "{lang}", "ar", "{$}", "").Replace(pattern)
	if path == "/static/" {
		return "/static/app.css"
	}
	return wildcard.ReplaceAllString(path, "x")
}

// wildcard is a pattern's wildcard.
var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// langOf is the language a route's pages are in for a browser asking for
// the sweep's: the coordinators' pages offer English, the answer pages
// Ukrainian (a link that names nobody), a consent text its own.
func langOf(path string) (ask, page string) {
	switch {
	case strings.HasPrefix(path, "/a/"):
		return "uk", "uk"
	case strings.HasPrefix(path, "/consent/"):
		return "en", "" // a text's page is in its own language
	case path == "/healthz" || path == "/readyz" || strings.HasPrefix(path, "/static/"):
		return "en", ""
	}
	return "en", "en"
}

// everyRoute sends what every public route gets: the methods it does not
// serve, HEAD, huge and non-UTF-8 queries and many parameters.
func (s *pubSweep) everyRoute(method, pattern string) {
	path := s.fill(pattern)
	ask, lang := langOf(path)
	var allow []string
	if strings.HasPrefix(path, "/a/") {
		// B's own link: the page may show B's offer, in B's language,
		// where the link is read at all.
		allow = s.links["B"].names
	}
	var pageLang func(int) string
	if strings.HasPrefix(path, "/a/"+s.links["B"].token) {
		pageLang = func(code int) string {
			if code == http.StatusRequestHeaderFieldsTooLarge || code == http.StatusMethodNotAllowed {
				return lang // before the link is read
			}
			return s.links["B"].lang
		}
	}
	s.wrongMethods(s.oracle, method+" "+pattern)
	if method == http.MethodGet {
		get := s.check("GET", hreq{method: http.MethodGet, target: path, lang: lang, accept: ask, allow: allow, pageLang: pageLang})
		head := s.check("HEAD", hreq{method: http.MethodHead, target: path, lang: lang, accept: ask, allow: allow})
		if head.code != get.code || head.body != "" {
			s.t.Errorf("HEAD %s: %d with %d bytes, GET %d", path, head.code, len(head.body), get.code)
		}
	}
	post := func(target string) hreq {
		r := hreq{method: method, target: target, lang: lang, accept: ask, allow: allow, pageLang: pageLang}
		if method == http.MethodPost {
			r.body = []byte("a=b")
			r.header = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		}
		return r
	}
	for what, q := range map[string]string{
		"a 5,000-character query":     "?q=" + strings.Repeat("a", 5000),
		"a 60,000-character query":    "?q=" + strings.Repeat("a", 60000),
		"15,000 parameters":           "?" + strings.Repeat("a=&", 15000),
		"a non-UTF-8 query":           "?q=%ff%fe&%c0%80=1",
		"a query of escapes and NULs": "?q=%00%0d%0a%3cscript%3e&=&&==",
	} {
		s.check(what, post(path+q))
	}
	r := post(path + "?q=" + strings.Repeat("a", 70000))
	r.want = []int{http.StatusRequestHeaderFieldsTooLarge}
	s.check("a query over the head limit", r)
}

// bomb16 is a gzip member that inflates from about 16 KiB to 16 MiB;
// compressed once for the package, as compressing takes seconds under
// -race.
var bomb16 = sync.OnceValue(func() []byte { return gz(bytes.Repeat([]byte("a"), 16<<20)) })

// gz compresses b.
func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// bodies are the hostile bodies every public POST gets, with the statuses
// each may answer: too large for any form, compressed (a bomb, never to
// be inflated), not UTF-8, not a form at all.
func bodies() []struct {
	what  string
	ctype string
	enc   string
	body  []byte
	want  []int
} {
	big := append([]byte("csrf=x&nonce=x&action=accept&email=a&reason="), bytes.Repeat([]byte("a"), 1<<20)...)
	return []struct {
		what  string
		ctype string
		enc   string
		body  []byte
		want  []int
	}{
		{"a megabyte", "application/x-www-form-urlencoded", "", big, []int{http.StatusRequestEntityTooLarge}},
		{"a gzip bomb of 16 MiB", "application/x-www-form-urlencoded", "gzip", bomb16(), []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}},
		{"a gzip bomb of 128 MiB", "application/x-www-form-urlencoded", "gzip", bytes.Repeat(bomb16(), 8), []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}},
		{"a small gzip form", "application/x-www-form-urlencoded", "gzip", gz([]byte("csrf=x&action=accept")), []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}},
		{"deflate", "application/x-www-form-urlencoded", "deflate", []byte("csrf=x"), []int{http.StatusUnsupportedMediaType}},
		{"invalid UTF-8", "application/x-www-form-urlencoded", "", []byte("csrf=\xff\xfe&email=\xc0\x80&action=%ff"), nil},
		{"a broken escape", "application/x-www-form-urlencoded", "", []byte("csrf=%zz&email=%"), nil},
		{"JSON", "application/json", "", []byte(`{"csrf":"x","action":"accept"}`), nil},
		{"multipart", "multipart/form-data; boundary=x", "", []byte("--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nx\r\n--x--\r\n"), nil},
		{"no body", "application/x-www-form-urlencoded", "", []byte{}, nil},
		{"a repeated field", "application/x-www-form-urlencoded", "", []byte(strings.Repeat("csrf=x&action=accept&", 3000)), nil},
	}
}

// hostileBodies posts bodies() to path, with a valid double-submit CSRF
// pair when csrf is set (so a body is read past the token check).
func (s *pubSweep) hostileBodies(path, lang string, allow []string, csrf bool) {
	for _, b := range bodies() {
		h := map[string]string{"Content-Type": b.ctype}
		if b.enc != "" {
			h["Content-Encoding"] = b.enc
		}
		if csrf {
			h["Cookie"] = "mp_csrf=" + preCSRF
		}
		s.check(b.what, hreq{method: http.MethodPost, target: path, header: h, body: b.body, lang: lang, allow: allow, want: b.want})
	}
}

// preCSRF is a signed-out form's CSRF token as the sweep sends it, in the
// cookie and the form alike (double submit).
const preCSRF = "sweepsweepsweepsweepsweepsweepsweepsweep123"
