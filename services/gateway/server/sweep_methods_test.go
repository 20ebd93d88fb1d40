package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// sweptMethods are the methods every route is sent when it does not take
// them: those browsers send, those scripts and scanners send, and one no
// one defines (any other method is answered the same way).
var sweptMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
	http.MethodOptions, http.MethodTrace, "PROPFIND"}

// echoMark is written into the swept requests' bodies and a header of
// their own: no answer may repeat it (a TRACE must not echo the request).
const echoMark = "sweep-echo-7f3a"

// allowOracle is a mux with every pattern the gateway reports, so the
// sweep knows which methods a path takes (a path may match one pattern
// under GET and another under POST: /participants/new and
// POST /participants/{id}) without a hand copy of the rules.
func allowOracle(routes []string) *http.ServeMux {
	m := http.NewServeMux()
	for _, p := range routes {
		m.Handle(p, http.NotFoundHandler())
	}
	return m
}

// allowOf is the Allow header the gateway must send for path: the
// methods some pattern takes it under, sorted, HEAD beside GET (as
// net/http's own mux lists them).
func allowOf(oracle *http.ServeMux, path string) []string {
	var allow []string
	for _, m := range []string{http.MethodDelete, http.MethodGet, http.MethodHead, http.MethodPatch, http.MethodPost, http.MethodPut} {
		u, err := url.Parse(path)
		if err != nil {
			return nil
		}
		if _, p := oracle.Handler(&http.Request{Method: m, URL: u, Host: "x"}); p != "" {
			allow = append(allow, m)
		}
	}
	return allow
}

// procedure is a path a Connect service's pattern serves: the service's
// first method, from its descriptor ("/motesplats.gateway.v1.UserService/"
// alone names no procedure, and Connect answers it 404).
func procedure(path string) string {
	name := strings.Trim(path, "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return path
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok || sd.Methods().Len() == 0 {
		return path
	}
	return path + string(sd.Methods().Get(0).Name())
}

// wrongMethods sends pattern's path (filled as fill does; a Connect
// service's first procedure) every swept method no route takes it under,
// and holds each answer to the gateway's 405 (ADR 0173): status 405, the
// Allow header the routes make, Cache-Control no-store, the signed-in
// pages' security headers, nothing of the request repeated, and
//   - on a Connect path, Connect's own answer: Allow naming POST (and GET
//     for a method without side effects) and no body, which Connect and
//     gRPC clients read as a protocol error, not a page;
//   - elsewhere an HTML page, never Go's plain text, in the browser's
//     language: English for the app, Ukrainian for a link or a consent
//     text (the languages they are sent in; the link is not read, ADR
//     0180: a consent text's was the app's English page).
func (s *pubSweep) wrongMethods(oracle *http.ServeMux, pattern string) {
	_, p, _ := strings.Cut(pattern, " ")
	path := s.fill(p)
	api := sweptElsewhere(pattern) == "the API sweeps"
	if api {
		path = procedure(path)
	}
	allow := allowOf(oracle, path)
	if len(allow) == 0 {
		s.t.Errorf("%s: no pattern serves %s", pattern, path)
		return
	}
	lang := "en"
	if strings.HasPrefix(path, "/a/") || strings.HasPrefix(path, "/consent/") {
		lang = "uk"
	}
	for _, m := range sweptMethods {
		if slices.Contains(allow, m) || s.swept[m+" "+path] {
			continue
		}
		s.swept[m+" "+path] = true
		r := hreq{method: m, target: path, lang: lang, want: []int{http.StatusMethodNotAllowed},
			header: map[string]string{"X-Sweep": echoMark}, body: []byte("a=" + echoMark)}
		if m != http.MethodGet && m != http.MethodHead {
			r.header["Content-Type"] = "application/x-www-form-urlencoded"
		} else {
			r.body = nil
		}
		res := s.check("a method it does not serve", r)
		if res.code != http.StatusMethodNotAllowed {
			continue
		}
		name := m + " " + path
		if !strings.Contains(res.header.Get("Cache-Control"), "no-store") {
			s.t.Errorf("%s: Cache-Control %q, want no-store", name, res.header.Get("Cache-Control"))
		}
		if strings.Contains(res.body, echoMark) || strings.Contains(strings.Join(res.header.Values("X-Sweep"), ""), echoMark) {
			s.t.Errorf("%s: the answer repeats the request:\n%s", name, trim(res.body))
		}
		got := res.header.Get("Allow")
		if api {
			if (got != "POST" && got != "GET, POST") || res.body != "" {
				s.t.Errorf("%s: Allow %q and %d bytes, want Connect's answer (Allow POST or GET, POST; no body)", name, got, len(res.body))
			}
			continue
		}
		if want := strings.Join(allow, ", "); got != want {
			s.t.Errorf("%s: Allow %q, want %q", name, got, want)
		}
		if m == http.MethodHead {
			continue
		}
		if !strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || !strings.Contains(res.body, `<html lang="`+lang+`"`) ||
			strings.Contains(res.body, "Method Not Allowed") {
			s.t.Errorf("%s: %q, want the app's page in %s:\n%s", name, res.header.Get("Content-Type"), lang, trim(res.body))
		}
	}
}

// unknownPaths are addresses no route serves under any method: a page
// mistyped, one under a page's path, a Connect service that does not
// exist, one under the assets' and an answer link's prefix.
var unknownPaths = []string{"/no-such-page", "/participants/x/no/such/page", "/motesplats.gateway.v1.NoSuchService/Get",
	"/statics/app.css", "/ab/notALink"}

// unknownMethods sends every unknown path every swept method and holds
// each answer to the app's not-found page (ADR 0180): 404, no-store, the
// signed-in pages' security headers, an HTML page in English (the
// browser's language), never Go's plain "404 page not found", nothing of
// the request repeated. GET and HEAD had it since ADR 0166; the other
// methods got the mux's plain text.
func (s *pubSweep) unknownMethods() {
	for _, path := range unknownPaths {
		if allow := allowOf(s.oracle, path); len(allow) > 0 {
			s.t.Errorf("%s: a route serves it (%v); the sweep wants an unknown path", path, allow)
			continue
		}
		for _, m := range sweptMethods {
			r := hreq{method: m, target: path, lang: "en", want: []int{http.StatusNotFound},
				header: map[string]string{"X-Sweep": echoMark, "Content-Type": "application/x-www-form-urlencoded"}, body: []byte("a=" + echoMark)}
			if m == http.MethodGet || m == http.MethodHead {
				r.header, r.body = map[string]string{"X-Sweep": echoMark}, nil
			}
			res := s.check("an unknown path", r)
			if res.code != http.StatusNotFound {
				continue
			}
			name := m + " " + path
			if !strings.Contains(res.header.Get("Cache-Control"), "no-store") {
				s.t.Errorf("%s: Cache-Control %q, want no-store", name, res.header.Get("Cache-Control"))
			}
			if strings.Contains(res.body, echoMark) || strings.Contains(strings.Join(res.header.Values("X-Sweep"), ""), echoMark) {
				s.t.Errorf("%s: the answer repeats the request:\n%s", name, trim(res.body))
			}
			if m != http.MethodHead && (!strings.HasPrefix(res.header.Get("Content-Type"), "text/html") || !strings.Contains(res.body, `<html lang="en"`)) {
				s.t.Errorf("%s: %q, want the app's not-found page in English:\n%s", name, res.header.Get("Content-Type"), trim(res.body))
			}
		}
	}
}
