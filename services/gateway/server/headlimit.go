package server

import (
	"net/http"
	"strings"
)

// maxHead is the largest request head (request line and header fields)
// the gateway serves: 64 KiB, as before. net/http's own limit
// (http.Server.MaxHeaderBytes) is serverMaxHead, above it, so a head
// between the two reaches headLimit, which answers in the app's words;
// only above serverMaxHead does net/http answer itself, with its line of
// English ("431 Request Header Fields Too Large"), which no handler can
// change (ADR 0132). A browser's head past 64 KiB is an address pasted
// too long or cookies piled up; past 256 KiB it is no browser's.
const (
	maxHead       = 64 << 10
	serverMaxHead = 256 << 10
)

// headLimit answers a request whose head is longer than maxHead with a
// 431: the web app's page (tooLarge) for a person, net/http's words for
// the API (English by design, ADR 0118). Both close the connection, as
// net/http does after its own 431, so the rest of such a request is not
// read. It runs before tracing, so an over-long address never becomes a
// span's attribute.
func headLimit(next, tooLarge http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headSize(r) <= maxHead {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Connection", "close")
		if strings.HasPrefix(r.URL.Path, "/motesplats.") {
			http.Error(w, "431 Request Header Fields Too Large", http.StatusRequestHeaderFieldsTooLarge)
			return
		}
		tooLarge.ServeHTTP(w, r)
	})
}

// headSize is the size of r's head as it came over the wire, as
// net/http counts it against MaxHeaderBytes: the request line and each
// header line with its CRLF (Host is kept apart from r.Header).
func headSize(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	n += len("Host: ") + len(r.Host) + 2
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(": ") + len(v) + 2
		}
	}
	return n + 2
}

// tooLargeFor is the page for a request over the head limit: an answer
// link's (a newcomer's, from a message) the answer page's own, in their
// browser's language without the coordinators' menu; a link sent with
// something appended until it was over 64 KiB showed the web app's
// Swedish error page with "Tillbaka till översikten", the coordinators'
// start page. Anything else gets app's.
func tooLargeFor(app, answer http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/a/") {
			answer.ServeHTTP(w, r)
			return
		}
		app.ServeHTTP(w, r)
	})
}
