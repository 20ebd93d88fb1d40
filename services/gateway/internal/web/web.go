// Package web serves the coordinators' web app: server-rendered pages
// (html/template), htmx vendored under ../assets/static/ for the live parts, no build
// step. Every page but sign-in and first-run setup needs a session cookie;
// every POST must carry the session's CSRF token (a form field or the
// X-CSRF-Token header htmx sends). Errors never show internals: a page says
// what the user can do, and the detail goes to the log.
package web

import (
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/assets"
	"github.com/motesplats/motesplats/services/gateway/internal/bounds"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

//go:embed templates/*.html
var templateFS embed.FS

// maxQueryParams is net/url's bound on an address's parameters: past it
// the whole query reads as empty, which a page must not take for "no
// filters".
const maxQueryParams = 10000

// MaxFormBytes bounds a form body; larger ones get 413.
const MaxFormBytes = 64 << 10

// Cookie names.
const (
	sessionCookie = "mp_session"
	preCSRFCookie = "mp_csrf"
)

// Options configure the web app.
type Options struct {
	// SecureCookies marks cookies Secure; set it whenever the gateway is
	// reached over TLS (directly or behind a proxy).
	SecureCookies bool
	// Guard limits sign-in attempts (ADR 0048).
	Guard *account.Guard
	// RemoteAddr returns a request's client address.
	RemoteAddr func(*http.Request) string
	Logger     *slog.Logger
	// OIDC, when set, offers single sign-on on the sign-in page.
	OIDC *OIDC
	// PickerSearchAbove, when positive, replaces pickerSearchAbove: the
	// number of people above which a dinners form's person picker is a
	// name search (tests set a few).
	PickerSearchAbove int
	// Now is the clock whose day in Sweden the forms' bounds and a
	// check-in's "today" are (calendar.Today): the services' clock, so a
	// test at 00:30 in Stockholm sees the forms offer what the services
	// accept then. nil is time.Now.
	Now func() time.Time
}

// Web is the web app.
type Web struct {
	g    *core.Gateway
	opts Options
	// tpl holds each locale's page templates, parsed when first shown
	// (templates.go).
	tpl map[string]*localePages
	// oidc is the single sign-on provider, or nil when not configured.
	oidc *oidcClient

	// pages matches the pages a sign-in may go back to (returnto.go).
	pages *http.ServeMux

	// starters caches who started each matching job (jobs.go).
	starters starters
	// removed remembers what each user removed or erased, so a form sent
	// twice is answered as the first (removed.go).
	removed removals
}

// Route is one page or action, for the mux and for tests that sweep every
// route (the access sweep enumerates Routes, so a new page is covered
// without touching the test).
type Route struct {
	Method, Pattern string
	// Public routes need no session.
	Public bool
	// Token routes also accept an API token ("Authorization: Bearer"), for
	// the mp client; only GETs, so no CSRF question arises.
	Token bool
	h     handler
}

type handler func(w http.ResponseWriter, r *http.Request, p *page) error

// New parses the templates and returns the web app.
func New(g *core.Gateway, opts Options) (*Web, error) {
	if err := catalog.Err(); err != nil {
		return nil, fmt.Errorf("web text catalogue: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	w := &Web{g: g, opts: opts}
	if opts.OIDC != nil {
		w.oidc = newOIDCClient(*opts.OIDC, opts.Logger)
	}
	tpl, err := newLocalePages()
	if err != nil {
		return nil, err
	}
	w.tpl = tpl
	w.pages = pageMux(w.Routes())
	return w, nil
}

// Routes lists every route of the app.
func (w *Web) Routes() []Route {
	var sso []Route
	if w.oidc != nil {
		sso = []Route{
			{Method: "GET", Pattern: "/signin/oidc", Public: true, h: w.oidcStart},
			{Method: "GET", Pattern: "/signin/oidc/callback", Public: true, h: w.oidcCallback},
		}
	}
	return append(append(append(sso, w.dinnerRoutes()...), []Route{
		{Method: "GET", Pattern: "/signin", Public: true, h: w.signinPage},
		{Method: "POST", Pattern: "/signin", Public: true, h: w.signin},
		{Method: "GET", Pattern: "/setup", Public: true, h: w.setupPage},
		{Method: "POST", Pattern: "/setup", Public: true, h: w.setup},
		{Method: "POST", Pattern: "/settings/locale", Public: true, h: w.setLocale},
		{Method: "POST", Pattern: "/signout", h: w.signout},
		{Method: "GET", Pattern: "/{$}", h: w.dashboard},
		{Method: "GET", Pattern: "/participants", h: w.participants},
		{Method: "POST", Pattern: "/participants/search", h: w.nameSearch("participants")},
		{Method: "GET", Pattern: "/participants/new", h: w.participantNew},
		{Method: "POST", Pattern: "/participants", h: w.participantCreate},
		{Method: "GET", Pattern: "/participants/{id}", h: w.participantEdit},
		{Method: "POST", Pattern: "/participants/{id}", h: w.participantUpdate},
		{Method: "GET", Pattern: "/participants/{id}/remove", h: w.removePage("participants")},
		{Method: "POST", Pattern: "/participants/{id}/delete", h: w.remove("participants", false)},
		{Method: "POST", Pattern: "/participants/{id}/erase", h: w.remove("participants", true)},
		{Method: "GET", Pattern: "/participants/{id}/messages", h: w.deliveries("participants")},
		{Method: "GET", Pattern: "/volunteers", h: w.volunteers},
		{Method: "POST", Pattern: "/volunteers/search", h: w.nameSearch("volunteers")},
		{Method: "GET", Pattern: "/volunteers/new", h: w.volunteerNew},
		{Method: "POST", Pattern: "/volunteers", h: w.volunteerCreate},
		{Method: "GET", Pattern: "/volunteers/{id}", h: w.volunteerEdit},
		{Method: "POST", Pattern: "/volunteers/{id}", h: w.volunteerUpdate},
		{Method: "GET", Pattern: "/volunteers/{id}/remove", h: w.removePage("volunteers")},
		{Method: "POST", Pattern: "/volunteers/{id}/delete", h: w.remove("volunteers", false)},
		{Method: "POST", Pattern: "/volunteers/{id}/erase", h: w.remove("volunteers", true)},
		{Method: "GET", Pattern: "/volunteers/{id}/messages", h: w.deliveries("volunteers")},
		{Method: "GET", Pattern: "/matching", h: w.matching},
		{Method: "POST", Pattern: "/matching/jobs", h: w.startJob},
		{Method: "GET", Pattern: "/matching/jobs/{id}", h: w.jobProgress},
		{Method: "GET", Pattern: "/matching/jobs/{id}/unmatched", h: w.unmatched},
		{Method: "GET", Pattern: "/matching/waiting", h: w.waiting},
		{Method: "GET", Pattern: "/matching/bulk", h: w.bulkConfirm},
		{Method: "POST", Pattern: "/matching/bulk", h: w.bulkApprove},
		{Method: "POST", Pattern: "/matching/pairs/{id}/{action}", h: w.pairAction},
		{Method: "GET", Pattern: "/matching/pairs/{id}/messages", h: w.deliveries("matching")},
		{Method: "GET", Pattern: "/pairs/{id}", h: w.pairPage},
		{Method: "POST", Pattern: "/pairs/{id}/{action}", h: w.pairStep},
		{Method: "GET", Pattern: "/reports", h: w.reports},
		{Method: "GET", Pattern: "/reports/export.csv", Token: true, h: w.exportCSV},
		{Method: "GET", Pattern: "/admin/users", h: w.users},
		{Method: "GET", Pattern: "/admin/organisations", h: w.organisations},
		{Method: "POST", Pattern: "/admin/organisations", h: w.createOrganisation},
		{Method: "GET", Pattern: "/admin/mailbox", h: w.mailbox},
		{Method: "GET", Pattern: "/admin/mailbox/{id}", h: w.mailboxMessage},
		{Method: "POST", Pattern: "/admin/users", h: w.createUser},
		{Method: "GET", Pattern: "/admin/users/{id}/erase", h: w.userErasePage},
		{Method: "GET", Pattern: "/admin/users/{id}/email", h: w.userEmailPage},
		{Method: "POST", Pattern: "/admin/users/{id}/{action}", h: w.userAction},
		{Method: "GET", Pattern: "/admin/audit", h: w.audit},
	}...), append(w.guideRoutes(), w.opsRoutes()...)...)
}

// Mux is where Register mounts the app's routes: an *http.ServeMux, or
// the gateway's, which also lists them for the route guard (ADR 0166).
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Register adds the app's routes and static files to mux. The static
// files are every page's (the answer and consent pages' style sheets
// too), at addresses that change with their bytes (ADR 0135).
func (w *Web) Register(mux Mux) {
	static, notFound := assets.Static(), w.NotFound()
	mux.Handle("GET "+assets.Prefix, http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		// The files only: the folder's listing, a name no file has (Go's
		// bare English 404) and one that is not UTF-8 (net/http's 500)
		// get the app's own not-found page (ADR 0166).
		if !static.Has(strings.TrimPrefix(r.URL.Path, assets.Prefix)) {
			notFound.ServeHTTP(rw, r)
			return
		}
		static.ServeHTTP(rw, r)
	}))
	for _, rt := range w.Routes() {
		mux.Handle(rt.Method+" "+rt.Pattern, w.wrap(rt))
	}
}

// wrap turns a route into an http.Handler: body limit, session, CSRF,
// locale, error page.
func (w *Web) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(rw, r.Body, MaxFormBytes)
		rw.Header().Set("Cache-Control", "no-store")
		p := newPage(r)
		p.now = w.opts.Now()
		if r.Method == http.MethodPost {
			if !formType(r.Header.Get("Content-Type")) || bounds.Compressed(r.Header) {
				// JSON, text or multipart is no form of this app's: read
				// as one, its CSRF token was missing and the page said
				// "try again in a moment", which never helps (ADR 0154).
				// A compressed form is no browser's either: it is refused
				// unread, so a gzip bomb is never inflated (ADR 0166).
				p.Dir = dir(p.Lang)
				w.fail(rw, p, http.StatusUnsupportedMediaType, p.t("err.form"))
				return
			}
			if err := r.ParseForm(); err != nil {
				// The app's page in the browser's language, not Go's bare
				// English: a coordinator who pasted a long text learns what
				// to do.
				p.Dir = dir(p.Lang)
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					w.fail(rw, p, http.StatusRequestEntityTooLarge, p.t("err.toolarge"))
					return
				}
				w.fail(rw, p, http.StatusBadRequest, p.t("err.form"))
				return
			}
		}
		if strings.Count(r.URL.RawQuery, "&") >= maxQueryParams {
			// Go reads an address of more parameters than that as having
			// none (net/url), so a report's period sent after 10,000
			// others was silently the default one (outside49, ADR 0274).
			p.Dir = dir(p.Lang)
			w.fail(rw, p, http.StatusBadRequest, p.t("err.address_toolong"))
			return
		}
		if !validText(r.URL.Query()) || !validText(r.PostForm) {
			// Protobuf carries UTF-8 only; say so, rather than fail
			// later where the record is encoded. An address's bytes are
			// no form the reader typed (a list's page token, a link
			// pasted broken): "the form held" sent them to retype a
			// form they never sent (outside round s43).
			p.Dir = dir(p.Lang)
			key := "err.encoding"
			if validText(r.PostForm) {
				key = "err.encoding_address"
			}
			w.fail(rw, p, http.StatusBadRequest, p.t(key))
			return
		}
		princ, err := w.principal(r)
		if err != nil && rt.Token && r.Method == http.MethodGet {
			if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "bearer") {
				princ, err = w.g.Accounts.Token(r.Context(), strings.TrimSpace(tok))
			}
		}
		switch {
		case err == nil:
			p.caller = core.Caller{Principal: princ, RemoteAddr: w.opts.RemoteAddr(r), Channel: "web"}
			p.signedIn(princ)
		case rt.Public:
			p.CSRF = w.preCSRF(rw, r)
		case r.Header.Get("Authorization") != "":
			// A program (mp, curl) with a bad or revoked token: say so,
			// rather than redirect it to a sign-in page it would save.
			// A disabled user's is told so, which mp says in her
			// language (ADR 0223).
			rw.Header().Set("WWW-Authenticate", `Bearer realm="motesplats"`)
			msg := "the API token is not valid: run mp login"
			if errors.Is(err, account.ErrDisabled) {
				msg = account.DisabledMessage
			}
			http.Error(rw, msg, http.StatusUnauthorized)
			return
		default:
			// Why the user is sent to sign in (expired=) is sealed as a
			// form's outcome is, with the pre-session token set here when
			// the browser has none: a link made by anyone said "Du loggades
			// ut eftersom ditt konto är spärrat" on the app's own page
			// (ADR 0251).
			p.CSRF = w.preCSRF(rw, r)
			to := sealNotice(p, w.signinAfter(r, rt, err))
			if r.Header.Get("HX-Request") != "" {
				rw.Header().Set("HX-Redirect", to)
				rw.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(rw, r, to, http.StatusSeeOther)
			return
		}
		p.Dir = dir(p.Lang)
		if r.Method == http.MethodPost && !w.csrfOK(r, p) {
			// Mostly a form opened before its sender last signed in (or
			// out): sending it again as it is fails again.
			w.fail(rw, p, http.StatusForbidden, p.t("err.csrf"))
			return
		}
		err = pathID(r) // an id that names nothing: 404, whatever its form
		if err == nil {
			err = rt.h(rw, r, p)
		}
		if err != nil {
			w.renderError(rw, r, p, err)
		}
	})
}

// formType reports whether a post's Content-Type is the one the app's
// forms (and htmx) send; a post without one (htmx's bodiless, its token
// in a header) passes too.
func formType(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/x-www-form-urlencoded"
}
