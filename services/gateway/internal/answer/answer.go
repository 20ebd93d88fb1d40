// Package answer serves the public answer page: the page a newcomer or
// volunteer opens from the link in a message (GET /a/{token}) to accept or
// decline an offer, an invitation or an RSVP, without an account. It shows
// what the notify service says the link offers, in the person's language
// (right to left for Arabic, Persian and Dari), and posts the answer back
// to it (POST /a/{token}) as a plain form: it works without JavaScript.
//
// The token in the path is the visitor's only proof, so the page treats it
// as a secret: it is never logged, the request's span carries the route
// pattern instead of the path, both methods are rate-limited per address
// and per link, responses are never cached (Cache-Control: no-store) and
// never leak the address to another site (Referrer-Policy: no-referrer).
// The form carries a nonce bound to the link (see nonces).
package answer

import (
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/calendar"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/assets"
	"github.com/motesplats/motesplats/services/gateway/internal/bounds"
)

//go:embed templates/answer.html
var templateFS embed.FS

// Route is the answer link's path pattern; it is also what the request's
// span shows instead of the path.
const Route = "/a/{token}"

// maxTokenLen bounds the token the page passes on (notify's own limit).
const maxTokenLen = 200

// maxFormBytes bounds an answer form: a nonce, an action and a reason.
const maxFormBytes = 4 << 10

// Options configure the page.
type Options struct {
	// Answers is the notify service's AnswerService, called with the
	// gateway's own service identity. Nil when answering is not set up
	// here (no NOTIFY_ADDR): every link then shows a page saying so
	// (unconfigured), not the server's bare English 404.
	Answers notifyv1.AnswerServiceClient
	// Key makes the form nonces; every replica must share it (the
	// gateway derives it from its signing key). Required with Answers.
	Key []byte
	// Limits bound requests per address and per link; zero values take
	// DefaultLimits.
	Limits Limits
	// RemoteAddr returns a request's client address (behind trusted
	// proxies, from X-Forwarded-For).
	RemoteAddr func(*http.Request) string
	// Now is the clock (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger
	// Locales holds locales/answer.<lang>.toml (catalog.AnswerLocales).
	Locales fs.FS
}

// Page is the answer page's handler.
type Page struct {
	opts   Options
	cat    *catalog
	tpl    *template.Template
	limit  *limiter
	nonces nonces
	zone   *time.Location
}

// New loads the catalogues and the template.
func New(opts Options) (*Page, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits
	}
	if opts.Locales == nil || (opts.Answers != nil && len(opts.Key) == 0) {
		return nil, errors.New("answer page: Locales are required, and Key with Answers")
	}
	cat, err := loadCatalog(opts.Locales)
	if err != nil {
		return nil, err
	}
	tpl, err := template.New("answer.html").Funcs(template.FuncMap{"asset": assets.Static().URL}).ParseFS(templateFS, "templates/answer.html")
	if err != nil {
		return nil, err
	}
	zone := calendar.Zone // the answer-by day is Sweden's (ADR 0207)
	return &Page{opts: opts, cat: cat, tpl: tpl, limit: newLimiter(opts.Limits, opts.Now),
		nonces: nonces{key: opts.Key, now: opts.Now}, zone: zone}, nil
}

// Mux is where Register mounts the page: an *http.ServeMux, or the
// gateway's, which also lists its routes for the route guard (ADR 0166).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Register adds GET and POST /a/{token} to mux, and every other address
// under /a/ (a link cut after "/a/", or with something appended after a
// slash), which gets the page saying the link does not work, in the
// browser's language, rather than the coordinators' not-found page or
// Go's bare English 404 (ADR 0166).
func (p *Page) Register(mux Mux) {
	mux.Handle("GET "+Route, http.HandlerFunc(p.show))
	mux.Handle("POST "+Route, http.HandlerFunc(p.answer))
	mux.Handle("GET "+prefix, http.HandlerFunc(p.notALink))
	mux.Handle("POST "+prefix, http.HandlerFunc(p.notALink))
}

// begin sets what every answer response carries and hides the token from
// the request's span; it reports whether the request may go on (the token
// is well formed and within the rate limits), having written the refusal
// when not.
func (p *Page) begin(w http.ResponseWriter, r *http.Request) (string, bool) {
	h := w.Header()
	private(w)
	// otelhttp records the raw path as url.path when the span starts; the
	// last value of an attribute wins, so the span keeps the pattern.
	trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("url.path", Route))
	tok := r.PathValue("token")
	lang := p.cat.fromAcceptLanguage(r.Header.Get("Accept-Language"))
	if p.opts.Answers == nil {
		p.unconfigured(w, lang)
		return "", false
	}
	if ok, retry := p.limit.allow(p.opts.RemoteAddr(r), tok); !ok {
		h.Set("Retry-After", strconv.Itoa(int(retry.Seconds())+1))
		p.message(w, http.StatusTooManyRequests, lang, "state.limited", false)
		return "", false
	}
	if !wellFormed(tok) {
		p.message(w, http.StatusNotFound, lang, "state.invalid", false)
		return "", false
	}
	return tok, true
}

// wellFormed reports whether tok could be a link token at all: short, and
// only the characters of base64url and dots.
func wellFormed(tok string) bool {
	if tok == "" || len(tok) > maxTokenLen {
		return false
	}
	for _, c := range tok {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == '~':
		default:
			return false
		}
	}
	return true
}

// show answers GET /a/{token}: the offer and its form, or a page saying
// why there is nothing to answer.
func (p *Page) show(w http.ResponseWriter, r *http.Request) {
	tok, ok := p.begin(w, r)
	if !ok {
		return
	}
	res, err := p.opts.Answers.ResolveLink(r.Context(), &notifyv1.ResolveLinkRequest{Token: tok})
	if err != nil {
		p.failed(w, r, err)
		return
	}
	p.resolved(w, r, tok, res, "", http.StatusOK)
}

// resolved renders what ResolveLink said: the form when the link is
// valid, else its state.
func (p *Page) resolved(w http.ResponseWriter, r *http.Request, tok string, res *notifyv1.ResolveLinkResponse, errKey string, code int) {
	lang := p.langOf(r, res.GetLanguage())
	if res.GetState() != notifyv1.LinkState_LINK_STATE_VALID {
		p.state(w, lang, res.GetState())
		return
	}
	o := res.GetOffer()
	v := &view{Lang: lang, Dir: dir(lang), Kind: "offer", cat: p.cat, Nonce: p.nonces.make(tok),
		Summary: o.GetSummary(), SummarySV: o.GetSummarySv()}
	v.Title = v.T("heading." + heading(o.GetTemplate()))
	v.Unreviewed = v.SummarySV != "" && lang != "sv"
	chosen := ""
	if errKey != "" {
		v.Error = v.T(errKey)
		chosen = r.PostForm.Get("reason")
	}
	for _, a := range res.GetActions() {
		switch a {
		case notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT:
			v.Accept = true
		case notifyv1.AnswerAction_ANSWER_ACTION_DECLINE:
			v.Decline = true
		case notifyv1.AnswerAction_ANSWER_ACTION_CANNOT_COME:
			v.CannotCome = true
		}
	}
	// "Answer by" belongs to an offer still to accept or decline; a
	// confirmed dinner's page only takes "I cannot come", and its
	// deadline, the dinner's start, is no answer the person owes.
	if t := o.GetAnswerBy(); (v.Accept || v.Decline) && t.IsValid() && t.GetSeconds() > 0 {
		v.AnswerBy = p.cat.answerBy(lang, t.AsTime().In(p.zone).Format("2006-01-02 15:04"))
	}
	for _, reason := range res.GetDeclineReasons() {
		name := reasonName(reason)
		if name == "" {
			continue
		}
		v.Reasons = append(v.Reasons, reasonOpt{Value: name, Label: v.T("reason_" + name), Checked: name == chosen})
	}
	p.render(w, code, v)
}

// answer answers POST /a/{token}: checks the form, sends the answer, and
// shows what it did.
func (p *Page) answer(w http.ResponseWriter, r *http.Request) {
	tok, ok := p.begin(w, r)
	if !ok {
		return
	}
	lang := p.cat.fromAcceptLanguage(r.Header.Get("Accept-Language"))
	if bounds.Compressed(r.Header) {
		// No browser compresses a form: refused unread, so a gzip bomb
		// is never inflated (ADR 0166), with the words of a form that
		// could not be read.
		p.message(w, http.StatusUnsupportedMediaType, p.linkLang(r, tok, lang), "state.stale", true)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		// A form over the limit (a very long reason) is not a page too old:
		// it says so, in the language the link was read in.
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			p.message(w, http.StatusRequestEntityTooLarge, p.linkLang(r, tok, lang), "state.toolarge", true)
			return
		}
		p.message(w, http.StatusBadRequest, p.linkLang(r, tok, lang), "state.stale", true)
		return
	}
	if !p.nonces.check(tok, r.PostForm.Get("nonce")) {
		p.refused(w, r, tok)
		return
	}
	req := &notifyv1.AnswerRequest{Token: tok}
	switch r.PostForm.Get("action") {
	case "accept":
		req.Action = notifyv1.AnswerAction_ANSWER_ACTION_ACCEPT
	case "cannot_come":
		req.Action = notifyv1.AnswerAction_ANSWER_ACTION_CANNOT_COME
	case "decline":
		req.Action = notifyv1.AnswerAction_ANSWER_ACTION_DECLINE
		req.Reason = reasonValue(r.PostForm.Get("reason"))
	default:
		p.again(w, r, tok, "err_choice")
		return
	}
	if req.Action == notifyv1.AnswerAction_ANSWER_ACTION_DECLINE && req.Reason == notifyv1.DeclineReason_DECLINE_REASON_UNSPECIFIED {
		// A no without a reason, where the link asks for one: ask again.
		res, err := p.opts.Answers.ResolveLink(r.Context(), &notifyv1.ResolveLinkRequest{Token: tok})
		if err != nil {
			p.failed(w, r, err)
			return
		}
		if len(res.GetDeclineReasons()) > 0 || res.GetState() != notifyv1.LinkState_LINK_STATE_VALID {
			p.resolved(w, r, tok, res, "err_reason", http.StatusUnprocessableEntity)
			return
		}
	}
	res, err := p.opts.Answers.Answer(r.Context(), req)
	if status.Code(err) == codes.InvalidArgument {
		// A reason the link does not offer, or an action it does not
		// allow: ask again rather than fail.
		p.again(w, r, tok, "err_reason")
		return
	}
	if err != nil {
		p.notTaken(w, r, tok, err)
		return
	}
	lang = p.langOf(r, res.GetLanguage())
	switch res.GetOutcome() {
	case notifyv1.AnswerOutcome_ANSWER_OUTCOME_ACCEPTED:
		p.message(w, http.StatusOK, lang, "done.accepted", false)
	case notifyv1.AnswerOutcome_ANSWER_OUTCOME_DECLINED:
		key := "done.declined"
		if req.Action == notifyv1.AnswerAction_ANSWER_ACTION_CANNOT_COME {
			key = "done.cannot_come"
		}
		p.message(w, http.StatusOK, lang, key, false)
	default:
		p.state(w, lang, res.GetState())
	}
}

// again shows the form once more with errKey's message, for a post that
// did not say what the person wants.
func (p *Page) again(w http.ResponseWriter, r *http.Request, tok, errKey string) {
	res, err := p.opts.Answers.ResolveLink(r.Context(), &notifyv1.ResolveLinkRequest{Token: tok})
	if err != nil {
		p.failed(w, r, err)
		return
	}
	p.resolved(w, r, tok, res, errKey, http.StatusUnprocessableEntity)
}

// linkLang is the language of the person the link was sent to, for a
// page shown before the form's answer is read: an offer read in Arabic
// and answered after its form's nonce ran out (nonceTTL) said "Sidan var
// för gammal" in the browser's language, Swedish on a phone set to it.
// The browser's choice, fallback, when the link does not resolve.
func (p *Page) linkLang(r *http.Request, tok, fallback string) string {
	res, err := p.opts.Answers.ResolveLink(r.Context(), &notifyv1.ResolveLinkRequest{Token: tok})
	if err != nil || !known(res.GetLanguage()) {
		return fallback
	}
	return res.GetLanguage()
}

// langOf is the page's language: the person's, when the service knows the
// link, else the browser's choice.
func (p *Page) langOf(r *http.Request, lang string) string {
	if known(lang) {
		return lang
	}
	return p.cat.fromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// state shows a link that cannot be answered, in lang.
func (p *Page) state(w http.ResponseWriter, lang string, s notifyv1.LinkState) {
	switch s {
	case notifyv1.LinkState_LINK_STATE_EXPIRED:
		p.message(w, http.StatusGone, lang, "state.expired", false)
	case notifyv1.LinkState_LINK_STATE_USED:
		p.message(w, http.StatusConflict, lang, "state.used", false)
	case notifyv1.LinkState_LINK_STATE_WITHDRAWN:
		p.message(w, http.StatusGone, lang, "state.withdrawn", false)
	default:
		p.message(w, http.StatusNotFound, lang, "state.invalid", false)
	}
}

// failed shows a call that failed: too many tries, a link the service
// refuses to look at, or the service down. The detail goes to the log by
// code only (an error's text might quote the request).
func (p *Page) failed(w http.ResponseWriter, r *http.Request, err error) {
	lang := p.cat.fromAcceptLanguage(r.Header.Get("Accept-Language"))
	switch code := status.Code(err); code {
	case codes.ResourceExhausted:
		w.Header().Set("Retry-After", "30")
		p.message(w, http.StatusTooManyRequests, lang, "state.limited", false)
	case codes.InvalidArgument, codes.NotFound:
		p.message(w, http.StatusNotFound, lang, "state.invalid", false)
	default:
		p.opts.Logger.WarnContext(r.Context(), "answer page: notify call failed", "code", code.String())
		p.message(w, http.StatusServiceUnavailable, lang, "state.unavailable", false)
	}
}

// unconfigured answers every link when this gateway has no notify
// service to ask (NOTIFY_ADDR unset): 503, as the link may well be good and
// the fault is ours, with the page's "cannot show it now" text. No token
// is read, so no person's language is known: the browser's language
// first, then Swedish and English (those not already shown), each marked
// with its language for screen readers.
func (p *Page) unconfigured(w http.ResponseWriter, lang string) {
	const key = "state.unavailable"
	v := &view{Lang: lang, Dir: dir(lang), Kind: "message", cat: p.cat}
	v.Title, v.Body = v.T(key+"_title"), v.T(key+"_body")
	for _, l := range []string{"sv", "en"} {
		if l != lang {
			v.Also = append(v.Also, alsoIn{Lang: l, Dir: dir(l), Title: p.cat.text(l, key+"_title", nil),
				Body: p.cat.text(l, key+"_body", nil), Questions: p.cat.text(l, "questions", nil)})
		}
	}
	p.render(w, http.StatusServiceUnavailable, v)
}

// message shows a page of a title and a sentence: key+"_title" and
// key+"_body".
func (p *Page) message(w http.ResponseWriter, code int, lang, key string, again bool) {
	v := &view{Lang: lang, Dir: dir(lang), Kind: "message", cat: p.cat, Again: again}
	v.Title, v.Body = v.T(key+"_title"), v.T(key+"_body")
	p.render(w, code, v)
}
