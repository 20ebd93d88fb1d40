package answer

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
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

// refused answers a post whose nonce does not hold for its link. The
// nonce is checked before notify is asked, so a wrong token posted with a
// real nonce (of another link) said "the page was too old" (ADR 0166,
// Left): a page the link never showed. Now the link decides, as its GET
// would: a link that is not one says it does not work (404), a used,
// expired, withdrawn or erased one says so in its person's language, and
// only a link still open to an answer says the page was too old, with the
// way back to its form. A forged post learns nothing a GET of the same
// address would not tell it, whatever its nonce; a person whose page or
// link has aged is told which, and what to do (ADR 0173).
func (p *Page) refused(w http.ResponseWriter, r *http.Request, tok string) {
	res, err := p.opts.Answers.ResolveLink(r.Context(), &notifyv1.ResolveLinkRequest{Token: tok})
	if err != nil {
		p.failed(w, r, err)
		return
	}
	lang := p.langOf(r, res.GetLanguage())
	if res.GetState() != notifyv1.LinkState_LINK_STATE_VALID {
		p.state(w, lang, res.GetState())
		return
	}
	p.message(w, http.StatusForbidden, lang, "state.stale", true)
}

// notTaken answers a post whose answer was not taken because a service
// behind notify is down (the programme's replicas killed, notify up): the
// person read the offer in their own language, so "try again in a moment"
// is in it too. It came in the browser's language: an offer read in
// Arabic and answered while guides was down said "Något gick fel" (ADR
// 0190). A limit, an unknown link and notify itself down keep failed's
// words and language (a link that is not one says nothing of its person).
func (p *Page) notTaken(w http.ResponseWriter, r *http.Request, tok string, err error) {
	switch status.Code(err) {
	case codes.ResourceExhausted, codes.InvalidArgument, codes.NotFound:
		p.failed(w, r, err)
		return
	}
	p.opts.Logger.WarnContext(r.Context(), "answer page: answer not taken", "code", status.Code(err).String())
	lang := p.linkLang(r, tok, p.cat.fromAcceptLanguage(r.Header.Get("Accept-Language")))
	p.message(w, http.StatusServiceUnavailable, lang, "state.unavailable", false)
}
