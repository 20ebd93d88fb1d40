package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

func (w *Web) signinPage(rw http.ResponseWriter, r *http.Request, p *page) error {
	// The place to go back to, checked here too so the page never
	// carries on an address the app would not go to.
	p.Next = w.returnTo(r.URL.Query().Get(returnParam))
	if p.User != nil {
		// Signed in meanwhile (another tab): straight back.
		http.Redirect(rw, r, w.landing(p.Next), http.StatusSeeOther)
		return nil
	}
	p.Title = p.t("signin")
	p.Flash = signinFlash(p, r)
	return w.render(rw, p, http.StatusOK, "signin")
}

// signinFlash is the sign-in page's message, read from its address only
// when sealed for this browser (flashQuery): the first admin made, a
// sign-out, or why the user is here again (expired=, which it keeps in
// p.Expired for the language form). A notice read from the address as it
// came showed on any link (ADR 0251).
func signinFlash(p *page, r *http.Request) string {
	var flash string
	q := flashQuery(p, r)
	switch q.Get("done") {
	case "setup":
		// The setup form's answer: without it the first admin landed on
		// an empty sign-in form with no word that the account was made
		// (outside round s30).
		flash = p.t("setup.done")
	case "signout":
		flash = p.t("signout.done")
	}
	switch p.Expired = expiredWhy(q.Get("expired")); p.Expired {
	case "form":
		flash = p.t("signin.expired_form")
	case "1":
		flash = p.t("signin.expired")
	case "disabled":
		flash = p.t("signin.disabled")
	case "disabled_form":
		flash = p.t("signin.disabled_form")
	}
	return flash
}

func (w *Web) signin(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title = p.t("signin")
	email := r.PostForm.Get("email")
	p.Form.Set("email", email)
	p.Next = w.returnTo(r.PostForm.Get(returnParam)) // kept for a second try
	addr := w.opts.RemoteAddr(r)
	how := core.SignIn{Action: "signin", Resource: "session", Channel: "web", RemoteAddr: addr}
	if ok, retry := w.opts.Guard.Allow(addr, email); !ok {
		w.g.HeldBack(email, how) // in the log, tallied (ADR 0221)
		return w.signinLimited(rw, p, retry)
	}
	a, err := w.g.Authenticate(r.Context(), email, r.PostForm.Get("password"), how)
	if err != nil {
		w.opts.Guard.Failed(addr, email)
		msg := p.t("err.credentials") // the one answer to any failed sign-in
		if errors.Is(err, account.ErrDisabled) {
			// Given after the right password only (ADR 0223).
			msg = p.t("err.disabled")
		}
		p.ErrorList = []errItem{{Field: "email", Label: p.t("email"), Message: msg}}
		p.Errors["email"] = msg
		return w.render(rw, p, http.StatusUnauthorized, "signin")
	}
	w.opts.Guard.Succeeded(addr, email)
	return w.startSession(rw, r, a, p.Next, how)
}

// startSession signs the account in: one session cookie, the same for every
// way of signing in, so expiry and revocation work alike. It goes on to
// next when that is one of the app's pages (returnTo), else the overview.
// The sign-in is in the audit log, naming the session, before the cookie
// is given; a session the log does not hold is ended (ADR 0218).
func (w *Web) startSession(rw http.ResponseWriter, r *http.Request, a *storev1.Account, next string, how core.SignIn) error {
	cookie, exp, err := w.g.Accounts.CreateSession(r.Context(), a)
	if err != nil {
		return err
	}
	how.ResourceID = account.SessionID(cookie)
	if err := w.g.SignedIn(r.Context(), a, how); err != nil {
		_ = w.g.Accounts.DeleteSession(context.WithoutCancel(r.Context()), how.ResourceID)
		return err
	}
	http.SetCookie(rw, &http.Cookie{Name: sessionCookie, Value: cookie, Path: "/", Expires: exp, MaxAge: int(time.Until(exp).Seconds()),
		HttpOnly: true, Secure: w.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	// The pages before the next session (an expired session's sign-in
	// page, a sign-out's) in the account's language, as the signed-in
	// pages are, not the browser's: a Swedish coordinator on an English
	// browser read "Your session has expired" (ADR 0266, 0271).
	w.keepLocale(rw, shown(a.GetUser().GetLocale()))
	http.Redirect(rw, r, w.landing(next), http.StatusSeeOther)
	return nil
}

func (w *Web) signout(rw http.ResponseWriter, r *http.Request, p *page) error {
	// Ended and in the audit log (ADR 0221).
	if err := w.g.SignOut(r.Context(), p.caller); err != nil {
		return err
	}
	http.SetCookie(rw, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: w.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	// "Du är utloggad." in the language the user worked in: a Swedish
	// coordinator's browser in English read "You are signed out." on the
	// sign-in page (ADR 0266).
	w.keepLocale(rw, p.Lang)
	// The sign-in page says the sign-out happened: it looked like any
	// first visit, with no word that the session was over (ADR 0192).
	// Sealed with the pre-session token (set now when the browser has
	// none): the session's ends here, and the sign-in page is read
	// signed out.
	p.CSRF = w.preCSRF(rw, r)
	http.Redirect(rw, r, withDone(p, "/signin", url.Values{"done": {"signout"}}), http.StatusSeeOther)
	return nil
}

// keepLocale remembers locale in the browser's language cookie, which the
// pages read before a session (guessLocale).
func (w *Web) keepLocale(rw http.ResponseWriter, locale string) {
	http.SetCookie(rw, &http.Cookie{Name: "mp_lang", Value: locale, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: w.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (w *Web) setLocale(rw http.ResponseWriter, r *http.Request, p *page) error {
	l := r.PostForm.Get("locale")
	if !slices.Contains(offered, l) {
		l = offered[0]
	}
	w.keepLocale(rw, l)
	if p.User != nil {
		if _, err := w.g.UpdateUser(r.Context(), p.caller, &gatewayv1.User{Id: p.User.GetId(), Locale: l}, []string{"locale"}, ""); err != nil {
			return err
		}
	}
	back := "/"
	if p.User == nil {
		// The sign-in page keeps the place to go back to (ADR 0185).
		back = "/signin"
		q := url.Values{}
		if next := w.returnTo(r.PostForm.Get(returnParam)); next != "" {
			q.Set(returnParam, next)
		}
		if why := expiredWhy(r.PostForm.Get("expired")); why != "" {
			q.Set("expired", why) // the notice, in the language now chosen
		}
		if len(q) > 0 {
			back = sealNotice(p, back+"?"+q.Encode())
		}
	}
	http.Redirect(rw, r, back, http.StatusSeeOther)
	return nil
}

// SetupToken returns the one-time token of the first-run setup link, the
// same on every replica, or "" when an account exists or the link was
// used; "" with wait > 0 while a form that took the link makes the admin
// (account.SetupToken).
func (w *Web) SetupToken(ctx context.Context) (tok string, wait time.Duration, err error) {
	return w.g.Accounts.SetupToken(ctx)
}

func (w *Web) setupPage(rw http.ResponseWriter, r *http.Request, p *page) error {
	tok := r.URL.Query().Get("token")
	if err := w.g.Accounts.CheckSetup(r.Context(), tok); err != nil {
		return w.setupGone(rw, p, err)
	}
	p.Title, p.Data = p.t("setup.title"), tok
	return w.render(rw, p, http.StatusOK, "setup")
}

// setup makes the first admin (core.SetupAdmin). The link is taken
// first, by compare-and-set in the store shared by every replica (ADR
// 0214): of forms sent at once one makes the admin, the others are told
// the link is used. A refused create gives the link back.
func (w *Web) setup(rw http.ResponseWriter, r *http.Request, p *page) error {
	tok := r.PostForm.Get("token")
	_, took, err := w.g.SetupAdmin(r.Context(), tok, &gatewayv1.User{
		Email: r.PostForm.Get("email"), DisplayName: r.PostForm.Get("display_name"), Role: gatewayv1.Role_ROLE_ADMIN, Locale: p.Lang,
	}, r.PostForm.Get("password"), w.opts.RemoteAddr(r))
	if !took {
		return w.setupGone(rw, p, err)
	}
	p.Title, p.Data, p.Form = p.t("setup.title"), tok, r.PostForm
	if err != nil {
		if formErrors(p, err, userField) {
			return w.render(rw, p, http.StatusUnprocessableEntity, "setup")
		}
		return err
	}
	http.Redirect(rw, r, withDone(p, "/signin", url.Values{"done": {"setup"}}), http.StatusSeeOther)
	return nil
}

// setupGone answers a setup link that is not this run's: 404, as for any
// address the app does not know. Once an account exists (the link was
// used, or make seed made the demo sign-ins) the page says so and leads
// to the sign-in page: the README's setup link, opened after make seed,
// said "the page or record was not found" and led to the overview, which
// asked for a sign-in with no word why (ADR 0192). A form whose link
// another form holds is told that, and that a new link follows if no
// admin comes of it (ADR 0214, 0219). Before
// the first account a wrong token still says only "not found": it tells
// a guesser nothing.
func (w *Web) setupGone(rw http.ResponseWriter, p *page, err error) error {
	switch {
	case errors.Is(err, account.ErrSetupUsed):
		p.Title, p.Data, p.SignIn = p.t("setup.used_title"), p.t("setup.used"), true
	case errors.Is(err, account.ErrSetupBusy):
		// No account yet: a sign-in would fail (ADR 0219).
		p.Title, p.Data = p.t("setup.used_title"), p.t("setup.busy")
	default:
		return err
	}
	return w.render(rw, p, http.StatusNotFound, "error")
}

func userField(f string) string {
	f = strings.TrimPrefix(f, "user.")
	f, _, _ = strings.Cut(f, "[")
	return f
}

// sealNotice seals to, a sign-in page's address, when it says why the
// user is there (expired=): the page shows that notice only to the
// browser the address was made for, within flashFor, as a form's outcome
// (withDone, ADR 0246). Read from the address as it came, a link anyone
// made told a coordinator her account was disabled and to ask an
// administrator, or that a form she never sent was lost (ADR 0251). An
// address without a notice (a first visit's next=) needs no seal.
func sealNotice(p *page, to string) string {
	u, err := url.Parse(to)
	if err != nil || u.Query().Get("expired") == "" {
		return to
	}
	return withDone(p, to, nil)
}

// expiredWhy is v when it is one of the sign-in page's reasons for an
// ended session ("1" a page, "form" a form, "disabled" the account turned
// off, "disabled_form" a form sent then), else "": nothing else a link or
// a form says is carried on.
func expiredWhy(v string) string {
	if v == "1" || v == "form" || v == "disabled" || v == "disabled_form" {
		return v
	}
	return ""
}
