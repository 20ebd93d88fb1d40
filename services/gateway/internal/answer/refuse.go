package answer

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// prefix is the path every answer link is under.
const prefix = "/a/"

// notALink answers an address under prefix that Route does not match: no
// token to look up, so nothing to rate-limit.
func (p *Page) notALink(w http.ResponseWriter, r *http.Request) {
	private(w)
	trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("url.path", prefix))
	p.message(w, http.StatusNotFound, p.cat.fromAcceptLanguage(r.Header.Get("Accept-Language")), "state.invalid", false)
}

// private sets what every response about a link carries: its address is a
// secret, so nothing is kept, indexed or sent on as a referrer.
func private(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex, nofollow")
}

// HeaderTooLarge is the page for an answer link whose address or cookies
// were over the server's head limit (64 KiB): 431, "Länken fungerar inte"
// in the browser's language, as for any link that is not one (a message's
// link is some 50 characters), rather than the coordinators' error page.
func (p *Page) HeaderTooLarge() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		private(w)
		p.message(w, http.StatusRequestHeaderFieldsTooLarge, p.cat.fromAcceptLanguage(r.Header.Get("Accept-Language")), "state.invalid", false)
	})
}

// MethodNotAllowed is the page for a request under prefix with a method
// no answer route takes (PUT, DELETE, TRACE ... : a script, as browsers
// only GET a link and POST its form): 405, "open the link in a web
// browser" in the browser's language, private like every answer page. The
// caller sets the Allow header. The token is not read, so nothing is
// rate-limited or looked up, and the request's span shows the prefix, not
// the secret address (ADR 0173).
func (p *Page) MethodNotAllowed() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		private(w)
		trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("url.path", prefix))
		p.message(w, http.StatusMethodNotAllowed, p.cat.fromAcceptLanguage(r.Header.Get("Accept-Language")), "state.method", false)
	})
}
