package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/storage/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/api"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// OIDC configures sign-in with an OpenID Connect provider (ADR 0021). It
// signs in only users an admin has created: the provider proves the
// e-mail, the gateway's own user record gives the role and scope.
type OIDC struct {
	// Issuer is the provider's issuer URL; discovery reads
	// <Issuer>/.well-known/openid-configuration.
	Issuer string
	// ClientID and ClientSecret are the gateway's registration with the
	// provider.
	ClientID, ClientSecret string
	// RedirectURL is the callback registered with the provider:
	// <public URL>/signin/oidc/callback.
	RedirectURL string
	// Name is the provider's name on the sign-in button.
	Name string
	// StateKey authenticates the state cookie. Every replica must use the
	// same key, since the callback may reach another replica than the
	// start did.
	StateKey []byte
	// HTTPClient talks to the provider (default: a 10 s timeout).
	HTTPClient *http.Client
	// RetryEvery is how long a failed discovery waits before the next
	// try (default 30 s), so an unreachable provider is not asked on
	// every page view.
	RetryEvery time.Duration
	// Now is the clock for token expiry and the state cookie.
	Now func() time.Time
}

// oidcCookie carries the state, nonce and PKCE verifier of one sign-in
// from its start to the callback. It is set on /signin/oidc only.
const (
	oidcCookie     = "mp_oidc"
	oidcCookiePath = "/signin/oidc"
	// oidcStateTTL bounds how long a started sign-in may take at the
	// provider.
	oidcStateTTL = 10 * time.Minute
)

// oidcClient is the discovered provider, found lazily: a provider that is
// down at start-up hides the button and is asked again later, so it never
// stops the gateway.
type oidcClient struct {
	cfg OIDC
	log *slog.Logger

	mu      sync.Mutex // guards the fields below
	ep      *oidcEndpoints
	lastTry time.Time
	trying  bool
	failed  bool
}

// oidcEndpoints is what discovery yields; immutable once made.
type oidcEndpoints struct {
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newOIDCClient(cfg OIDC, log *slog.Logger) *oidcClient {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.RetryEvery <= 0 {
		cfg.RetryEvery = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Name == "" {
		cfg.Name = "single sign-on"
	}
	return &oidcClient{cfg: cfg, log: log}
}

// Discover runs discovery now unless it succeeded already or failed too
// recently; the server calls it once at start-up.
func (w *Web) Discover(ctx context.Context) {
	if w.oidc != nil {
		w.oidc.endpoints(ctx)
	}
}

// due reports whether a discovery may start now; mu must be held.
func (c *oidcClient) due() bool {
	return c.ep == nil && !c.trying && (c.lastTry.IsZero() || c.cfg.Now().Sub(c.lastTry) >= c.cfg.RetryEvery)
}

// endpoints returns the provider's endpoints, discovering them first when
// that has not succeeded yet and a try is due; nil when unavailable.
func (c *oidcClient) endpoints(ctx context.Context) *oidcEndpoints {
	c.mu.Lock()
	if !c.due() {
		ep := c.ep
		c.mu.Unlock()
		return ep
	}
	c.trying, c.lastTry = true, c.cfg.Now()
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, c.cfg.HTTPClient), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, c.cfg.Issuer)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.trying = false
	if err != nil {
		if !c.failed {
			c.log.Warn("OIDC discovery failed: the sign-in page hides single sign-on and tries again later", "issuer", c.cfg.Issuer, "err", err)
		} else {
			c.log.Debug("OIDC discovery failed again", "issuer", c.cfg.Issuer, "err", err)
		}
		c.failed = true
		return nil
	}
	if c.failed {
		c.log.Info("OIDC provider discovered: single sign-on is offered", "issuer", c.cfg.Issuer)
	}
	c.ep = &oidcEndpoints{
		oauth: &oauth2.Config{
			ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, RedirectURL: c.cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email"},
		},
		verifier: p.Verifier(&oidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Now}),
	}
	return c.ep
}

// available reports whether the button is shown. It never waits on the
// provider: when discovery is due it runs in the background, and a later
// page view shows the button.
func (c *oidcClient) available() bool {
	c.mu.Lock()
	ok, due := c.ep != nil, c.due()
	c.mu.Unlock()
	if due {
		go c.endpoints(context.Background())
	}
	return ok
}

// oidcState is the content of the state cookie.
type oidcState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expires  int64  `json:"e"`
	// Return is the page to go back to after signing in (ADR 0185),
	// checked when the sign-in starts and again when it ends.
	Return string `json:"r,omitempty"`
}

func (c *oidcClient) mac(payload string) []byte {
	m := hmac.New(sha256.New, c.cfg.StateKey)
	m.Write([]byte("mp-oidc-state\x00" + payload))
	return m.Sum(nil)
}

func (c *oidcClient) encodeState(s oidcState) string {
	b, _ := json.Marshal(s)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + base64.RawURLEncoding.EncodeToString(c.mac(payload))
}

// decodeState returns the cookie's state if the gateway made it and it has
// not expired.
func (c *oidcClient) decodeState(v string) (oidcState, bool) {
	payload, sig, ok := strings.Cut(v, ".")
	if !ok || len(v) > 1000 {
		return oidcState{}, false
	}
	// Strictly: the signature's last character has two bits that are no
	// data, which a lenient decoder lets vary (ADR 0195).
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, c.mac(payload)) {
		return oidcState{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	var s oidcState
	if err != nil || json.Unmarshal(b, &s) != nil || s.State == "" || s.Nonce == "" || s.Verifier == "" {
		return oidcState{}, false
	}
	if c.cfg.Now().Unix() >= s.Expires {
		return oidcState{}, false
	}
	return s, true
}

func (w *Web) setOIDCCookie(rw http.ResponseWriter, value string, maxAge int) {
	http.SetCookie(rw, &http.Cookie{Name: oidcCookie, Value: value, Path: oidcCookiePath, MaxAge: maxAge,
		HttpOnly: true, Secure: w.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// oidcStart sends the browser to the provider. A plain link starts it (a
// form could not: the content security policy's form-action 'self' also
// covers the redirect to the provider).
func (w *Web) oidcStart(rw http.ResponseWriter, r *http.Request, p *page) error {
	ep := w.oidc.endpoints(r.Context())
	if ep == nil {
		return apperr.Errorf(apperr.Unavailable, "single sign-on is not available right now; try again in a moment")
	}
	s := oidcState{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		Expires: w.oidc.cfg.Now().Add(oidcStateTTL).Unix(), Return: w.returnTo(r.URL.Query().Get(returnParam))}
	w.setOIDCCookie(rw, w.oidc.encodeState(s), int(oidcStateTTL.Seconds()))
	http.Redirect(rw, r, ep.oauth.AuthCodeURL(s.State, oidc.Nonce(s.Nonce), oauth2.S256ChallengeOption(s.Verifier)), http.StatusSeeOther)
	return nil
}

// oidcClaims are the ID token claims the gateway reads. email_verified is
// a boolean by the specification; a few providers send the string "true".
type oidcClaims struct {
	Email         string `json:"email"`
	EmailVerified any    `json:"email_verified"`
}

func (c oidcClaims) verified() bool {
	switch v := c.EmailVerified.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// oidcCallback finishes a sign-in at the provider: state, code exchange
// with the PKCE verifier, ID token (signature, issuer, audience, expiry,
// nonce), verified e-mail, an existing enabled user. Any refusal gets the
// same page; the reason goes to the audit log.
func (w *Web) oidcCallback(rw http.ResponseWriter, r *http.Request, p *page) error {
	p.Title = p.t("signin")
	ctx := r.Context()
	addr := w.opts.RemoteAddr(r)
	var st oidcState
	ok := false
	if ck, err := r.Cookie(oidcCookie); err == nil {
		st, ok = w.oidc.decodeState(ck.Value)
	}
	w.setOIDCCookie(rw, "", -1) // one use, whatever happens
	if ok, retry := w.opts.Guard.AllowAddr(addr); !ok {
		w.g.HeldBack("", oidcSignIn(addr)) // in the log, tallied (ADR 0221)
		return w.signinLimited(rw, p, retry)
	}
	q := r.URL.Query()
	switch {
	case !ok || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(st.State)) != 1:
		return w.oidcRefuse(rw, r, p, "invalid_state", nil)
	case q.Get("error") != "" || q.Get("code") == "":
		return w.oidcRefuse(rw, r, p, "provider_refused", nil)
	}
	ep := w.oidc.endpoints(ctx)
	if ep == nil {
		return apperr.Errorf(apperr.Unavailable, "single sign-on is not available right now; try again in a moment")
	}
	xctx := context.WithValue(ctx, oauth2.HTTPClient, w.oidc.cfg.HTTPClient)
	tok, err := ep.oauth.Exchange(xctx, q.Get("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		w.opts.Logger.WarnContext(ctx, "OIDC code exchange failed", "err", err)
		return w.oidcRefuse(rw, r, p, "exchange_failed", nil)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := ep.verifier.Verify(xctx, raw)
	if err != nil {
		w.opts.Logger.InfoContext(ctx, "OIDC ID token refused", "err", err)
		return w.oidcRefuse(rw, r, p, "invalid_token", nil)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(st.Nonce)) != 1 {
		return w.oidcRefuse(rw, r, p, "invalid_nonce", nil)
	}
	var claims oidcClaims
	if err := idt.Claims(&claims); err != nil || claims.Email == "" {
		return w.oidcRefuse(rw, r, p, "no_email", nil)
	}
	if ok, retry := w.opts.Guard.AllowAccount(addr, claims.Email); !ok {
		w.g.HeldBack(claims.Email, oidcSignIn(addr))
		return w.signinLimited(rw, p, retry)
	}
	a, enabled := w.g.Accounts.ByEmail(claims.Email)
	switch {
	case !claims.verified():
		return w.oidcRefuse(rw, r, p, "email_not_verified", a)
	case a == nil:
		return w.oidcRefuse(rw, r, p, "no_account", nil)
	case !enabled:
		return w.oidcRefuse(rw, r, p, "user_disabled", a)
	}
	w.opts.Guard.Succeeded(addr, claims.Email)
	return w.startSession(rw, r, a, st.Return, oidcSignIn(addr))
}

// oidcSignIn is how a single sign-on from addr comes, for the audit log.
func oidcSignIn(addr string) core.SignIn {
	return core.SignIn{Action: "signin_oidc", Resource: "session", Channel: "web", RemoteAddr: addr}
}

// oidcRefuse answers a refused single sign-on: one message whatever the
// reason, and an audit entry with the reason and, when the account is
// known, its id (never the e-mail).
func (w *Web) oidcRefuse(rw http.ResponseWriter, r *http.Request, p *page, reason string, a *storev1.Account) error {
	if err := w.auditSignIn(r.Context(), a, w.opts.RemoteAddr(r), reason); err != nil {
		w.opts.Logger.ErrorContext(r.Context(), "audit entry not written", "err", err)
	}
	w.opts.Logger.InfoContext(r.Context(), "OIDC sign-in refused", "reason", reason)
	msg := p.t("err.oidc")
	p.ErrorList = []errItem{{Message: msg}}
	p.Errors["_"] = msg
	return w.render(rw, p, http.StatusUnauthorized, "signin")
}

func (w *Web) auditSignIn(ctx context.Context, a *storev1.Account, addr, outcome string) error {
	return w.g.RecordSignInRefusal(ctx, a, oidcSignIn(addr), outcome)
}

// signinLimited renders the sign-in page with the rate limit's message,
// and Retry-After saying the same wait as the message (it said 60 s while
// the page said "vänta 18s").
func (w *Web) signinLimited(rw http.ResponseWriter, p *page, retry time.Duration) error {
	msg := translateMessage(p.Lang, core.Public(p.ctx, w.opts.Logger, api.Limit(false, retry)).Message)
	p.ErrorList = []errItem{{Message: msg}}
	p.Errors["_"] = msg
	rw.Header().Set("Retry-After", strconv.Itoa(api.RetrySeconds(retry)))
	return w.render(rw, p, http.StatusTooManyRequests, "signin")
}
