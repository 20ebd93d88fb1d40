// Package server wires the gateway: accounts, audit log, service clients,
// the Connect API and the web app on one HTTP server. The gateway's own
// main and the embedded stack both run it, so the two run modes share one
// wiring.
package server

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/envvar"
	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/answer"
	"github.com/motesplats/motesplats/services/gateway/internal/api"
	"github.com/motesplats/motesplats/services/gateway/internal/audit"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
	"github.com/motesplats/motesplats/services/gateway/internal/consent"
	"github.com/motesplats/motesplats/services/gateway/internal/consentpage"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
	"github.com/motesplats/motesplats/services/gateway/internal/removedkv"
	"github.com/motesplats/motesplats/services/gateway/internal/web"
)

// DefaultAddr is where the gateway listens unless told otherwise.
const DefaultAddr = service.GatewayAddr

// Config is the gateway's own configuration (service.Deps carries the
// shared parts: NATS, cache, logger, clock).
type Config struct {
	// Addr to listen on (GATEWAY_ADDR).
	Addr string
	// Listener, when set, is served instead of listening on Addr, and
	// closed at the end: the embedded stack binds the gateway's port
	// before notify starts (notify writes it into answer links), so no
	// other process can take the port in between.
	Listener net.Listener
	// Services' gRPC addresses (PARTICIPANTS_ADDR, VOLUNTEERS_ADDR,
	// MENTORING_ADDR, DINNERS_ADDR, GUIDES_ADDR; an empty programme address
	// turns that programme's pages off).
	Services backend.Addrs
	// SigningKey signs the per-user service tokens (MP_SIGNING_KEY, or
	// the stack's key file); KeyID names it in tokens (MP_SIGNING_KEY_ID,
	// default "local").
	SigningKey ed25519.PrivateKey
	KeyID      string
	// AdminEmail and AdminPassword create the first admin on a first run
	// (MP_ADMIN_EMAIL, MP_ADMIN_PASSWORD); without them the gateway prints
	// a one-time setup link.
	AdminEmail, AdminPassword string
	// PublicURL is how browsers reach the gateway, for the setup link
	// (MP_PUBLIC_URL, default http://<Addr>).
	PublicURL string
	// SetupLinkFile, when set, receives the one-time setup link, readable
	// by its owner only (MP_SETUP_LINK_FILE; the embedded stack uses
	// <data dir>/setup-link). The link is printed on Out only when Out is
	// a terminal, never where logs are kept.
	SetupLinkFile string
	// SecureCookies marks cookies Secure (MP_SECURE_COOKIES=true); set it
	// whenever browsers reach the gateway over TLS.
	SecureCookies bool
	// TrustedProxies is how many reverse proxies, each appending to
	// X-Forwarded-For, stand between clients and the gateway
	// (MP_TRUSTED_PROXIES; MP_TRUST_PROXY=true means 1). The client
	// address for the audit log and rate limits is the hop that many
	// places from the right; 0 uses the connection's peer.
	TrustedProxies int
	// SessionTTL bounds a browser session (MP_SESSION_TTL, default 8h).
	SessionTTL time.Duration
	// SignInBurst attempts per account and address, then one per
	// SignInEvery (defaults 10 and 20s); account.NewGuard derives the
	// address's and the account's limits from them (ADR 0048).
	SignInBurst int
	SignInEvery time.Duration
	// OIDC offers single sign-on when its issuer is set (ADR 0021).
	OIDC OIDCConfig
	// AnswerLimits bound the public answer page per address and per link
	// (zero: answer.DefaultLimits; tests set small ones).
	AnswerLimits answer.Limits
	// PickerSearchAbove is the number of people above which a dinners
	// form's person picker is a name search (zero: the web app's 300;
	// tests set a few; ADR 0125).
	PickerSearchAbove int
	// PasswordHashCost is the Argon2id cost of new password hashes
	// (zero: the deployment's; tests set a low one, ADR 0163).
	PasswordHashCost account.HashCost
	// Out receives the start-up banner, and the setup link when it is a
	// terminal.
	Out io.Writer
}

// OIDCConfig configures sign-in with an OpenID Connect provider. It is on
// when Issuer is set; ClientID and ClientSecret are then required.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL (MP_OIDC_ISSUER).
	Issuer string
	// ClientID and ClientSecret are the gateway's registration
	// (MP_OIDC_CLIENT_ID, MP_OIDC_CLIENT_SECRET).
	ClientID, ClientSecret string
	// RedirectURL is the callback registered with the provider
	// (MP_OIDC_REDIRECT_URL, default <PublicURL>/signin/oidc/callback).
	RedirectURL string
	// Name is shown on the button, "Sign in with <Name>" (MP_OIDC_NAME,
	// default "single sign-on").
	Name string
	// RetryEvery is how long a failed discovery waits before the next try
	// (default 30s).
	RetryEvery time.Duration
}

// ConfigFromEnv reads the configuration; getenv is os.Getenv in main. A
// bad value is an error naming its variable (envvar.Error); an empty one
// is the default.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	e := envvar.New(getenv)
	c := Config{
		Addr: e.Addr("GATEWAY_ADDR", DefaultAddr, ""),
		Services: backend.Addrs{
			Participants: e.Target(service.Participants.Env, service.Participants.Addr),
			Volunteers:   e.Target(service.Volunteers.Env, service.Volunteers.Addr),
			Mentoring:    e.Target(service.Mentoring.Env, ""), // no default: matching off
			Notify:       e.Target(service.Notify.Env, ""),    // no default: answer page and mailbox off
			Dinners:      e.Target(service.Dinners.Env, ""),   // no default: dinners off
			Guides:       e.Target(service.Guides.Env, ""),    // no default: guide pages off
		},
		KeyID:         or(e.Getenv("MP_SIGNING_KEY_ID"), "local"),
		AdminEmail:    e.Getenv("MP_ADMIN_EMAIL"),
		AdminPassword: e.Getenv("MP_ADMIN_PASSWORD"),
		PublicURL:     strings.TrimRight(e.URL("MP_PUBLIC_URL", "", false, "https", "http"), "/"),
		SetupLinkFile: e.Getenv("MP_SETUP_LINK_FILE"),
	}
	if s := e.Getenv("MP_SIGNING_KEY"); s != "" {
		k, err := auth.DecodePrivateKey(s)
		if err != nil {
			e.RefuseSecret("MP_SIGNING_KEY", "not a signing key", "base64 of a 32-byte Ed25519 seed (go run ./services/stack keygen makes one)")
		}
		c.SigningKey = k
	}
	c.SecureCookies = e.Bool("MP_SECURE_COOKIES")
	if e.Bool("MP_TRUST_PROXY") {
		c.TrustedProxies = 1
	}
	c.TrustedProxies = e.Int("MP_TRUSTED_PROXIES", c.TrustedProxies, 0, 10)
	c.OIDC = OIDCConfig{
		Issuer: e.Getenv("MP_OIDC_ISSUER"), ClientID: e.Getenv("MP_OIDC_CLIENT_ID"), ClientSecret: e.Getenv("MP_OIDC_CLIENT_SECRET"),
		RedirectURL: e.Getenv("MP_OIDC_REDIRECT_URL"), Name: e.Getenv("MP_OIDC_NAME"),
	}
	c.SessionTTL = e.Duration("MP_SESSION_TTL", 0, time.Minute, 30*24*time.Hour, "8h")
	err := e.Err()
	if oerr := c.OIDC.check(); oerr != nil {
		err = errors.Join(err, oerr)
	}
	return c, err
}

// check says what is missing when OIDC is half configured.
func (o OIDCConfig) check() error {
	if o.Issuer == "" && o.ClientID == "" && o.ClientSecret == "" {
		return nil
	}
	if o.Issuer == "" || o.ClientID == "" || o.ClientSecret == "" {
		return &envvar.Error{Var: "MP_OIDC_ISSUER", Value: o.Issuer, Problem: "MP_OIDC_ISSUER, MP_OIDC_CLIENT_ID and MP_OIDC_CLIENT_SECRET are not all set",
			Want: "all three for single sign-on, or none"}
	}
	if u, err := url.Parse(o.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &envvar.Error{Var: "MP_OIDC_ISSUER", Value: o.Issuer, Problem: "not an http(s) URL", Want: "the provider's issuer URL, for example https://login.example.org"}
	}
	if o.RedirectURL != "" {
		if u, err := url.Parse(o.RedirectURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &envvar.Error{Var: "MP_OIDC_REDIRECT_URL", Value: o.RedirectURL, Problem: "not an absolute http(s) URL", Want: "an absolute URL ending in /signin/oidc/callback"}
		}
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Running is a started gateway, for tests and the stack.
type Running struct {
	// Addr is the bound address.
	Addr net.Addr
	// SetupURL is the one-time first-run link, or "".
	SetupURL string
	// Routes are the patterns the gateway's mux serves ("GET /healthz"),
	// in the order mounted: the route guard checks that each is swept
	// (ADR 0166).
	Routes []string
}

// Run serves the gateway until ctx ends. ready, if not nil, is called once
// it accepts requests.
func Run(ctx context.Context, cfg Config, d service.Deps, ready func(Running)) error {
	d = d.WithDefaults()
	log := d.Logger
	if cfg.SigningKey == nil {
		return errors.New("gateway: no signing key (MP_SIGNING_KEY)")
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	accounts, err := account.Open(ctx, d.JS, account.Config{SessionTTL: cfg.SessionTTL, Replicas: d.Replicas, Logger: log, Now: d.Now, IDs: d.IDs,
		HashCost: cfg.PasswordHashCost, Keyring: d.Keyring, SetupDone: func(tok string) { forgetSetupLink(log, cfg.SetupLinkFile, tok) }})
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	defer accounts.Close()
	auditLog, err := audit.Open(ctx, d.JS, d.Replicas, d.Now, d.IDs)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	be, err := backend.New(cfg.Services, cfg.SigningKey, cfg.KeyID, d.Now, d.Cache, log)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	defer be.Close()
	if err := envAdmin(ctx, cfg, accounts, log); err != nil {
		return err
	}

	dls := events.NewDeadLetters(d.JS)
	if reg, err := dls.RegisterGauge(otel.GetMeterProvider()); err == nil {
		defer func() { _ = reg.Unregister() }()
	} else {
		log.Warn("dead-letter gauge not registered", "err", err)
	}
	g := &core.Gateway{Accounts: accounts, Backend: be, Audit: auditLog, Log: log, DeadLetters: dls, Now: d.Now}
	// What each user removed, for every replica (ADR 0255); without the
	// bucket each replica remembers its own, as before ADR 0255, rather
	// than the gateway not starting.
	if g.Removals, err = removedkv.Open(ctx, d.JS, d.Replicas, cfg.SigningKey.Seed(), log); err != nil {
		log.Warn("a removal sent twice is remembered by its replica only", "err", err)
	}
	// The sign-in refusals' counts kept in a bucket, so a kill loses at
	// most a second of them, and those of gateways that died written
	// (ADR 0263); without it they are kept in memory alone, as before.
	if err := g.CheckpointRefusals(ctx, d.JS, d.Replicas); err != nil {
		log.Warn("sign-in refusals' counts kept in memory only", "err", err)
	}
	// The setup's admin, if a gateway died before its audit entry (ADR
	// 0229); an admin's sign-in asks again when this cannot.
	if err := g.LogSetupAdmin(ctx); err != nil {
		log.Warn("the setup's audit entry not checked", "err", err)
	}
	logEnvAdmin(ctx, cfg, g, log)
	// The sign-in refusals' tallies held in memory are written as the
	// gateway stops (ADR 0221), for a few seconds at most.
	defer func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		g.FlushRefusals(fctx)
	}()
	burst, every := cfg.SignInBurst, cfg.SignInEvery
	if burst <= 0 {
		burst = 10
	}
	if every <= 0 {
		every = 20 * time.Second
	}
	guard := account.NewGuard(burst, every, d.Now)
	remoteAddr := web.RemoteAddr(cfg.TrustedProxies)
	if err := cfg.OIDC.check(); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	lis := cfg.Listener
	if lis == nil {
		l, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		lis = l
	}
	defer lis.Close()
	base := strings.TrimSuffix(cfg.PublicURL, "/")
	if base == "" {
		base = "http://" + lis.Addr().String()
	}
	wopts := web.Options{SecureCookies: cfg.SecureCookies, Guard: guard, RemoteAddr: remoteAddr, Logger: log,
		PickerSearchAbove: cfg.PickerSearchAbove, Now: d.Now}
	if o := cfg.OIDC; o.Issuer != "" {
		if o.RedirectURL == "" {
			o.RedirectURL = base + "/signin/oidc/callback"
		}
		// The state cookie's key comes from the signing key, which every
		// replica shares, so a callback may reach any replica.
		stateKey := sha256.Sum256(append([]byte("motesplats oidc state\x00"), cfg.SigningKey.Seed()...))
		wopts.OIDC = &web.OIDC{Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
			Name: o.Name, StateKey: stateKey[:], RetryEvery: o.RetryEvery, Now: d.Now}
	}
	wa, err := web.New(g, wopts)
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	// Discovery now, so the button shows from the first page; a provider
	// that is down or slow does not hold the gateway up (the sign-in page
	// tries again later).
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	wa.Discover(dctx)
	cancel()
	mux := newRouteMux()
	apiHandlers := api.Handlers(g, guard, remoteAddr)
	for path, h := range apiHandlers {
		mux.Handle("POST "+path, h)
		mux.Handle("GET "+path, h) // Connect GET for idempotent methods
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if _, err := d.JS.AccountInfo(r.Context()); err != nil {
			http.Error(w, "nats not ready", http.StatusServiceUnavailable)
			return
		}
		// An account store whose index opened short of its bucket
		// (ADR 0255): a field read.
		if store.Behind() > 0 {
			http.Error(w, "an index is behind its bucket", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "ok\n")
	})
	wa.Register(mux)
	var answerTooLarge, answerNotAllowed http.Handler
	{
		// The form nonces' key comes from the signing key, which every
		// replica shares, so an answer may reach any replica. Without
		// notify (be.Answers nil) every link gets a page saying answering
		// is not available here, in the browser's language, Swedish and
		// English, rather than the server's bare English 404.
		formKey := sha256.Sum256(append([]byte("motesplats answer form\x00"), cfg.SigningKey.Seed()...))
		ap, err := answer.New(answer.Options{Answers: be.Answers, Key: formKey[:], Limits: cfg.AnswerLimits, Locales: catalog.AnswerLocales(),
			RemoteAddr: remoteAddr, Now: d.Now, Logger: log})
		if err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		ap.Register(mux)
		answerTooLarge, answerNotAllowed = ap.HeaderTooLarge(), ap.MethodNotAllowed()
	}
	var consentNotAllowed http.Handler
	{
		// The consent texts' printable page: public, as it holds no
		// personal data (ADR 0120).
		cp, err := consentpage.New(consent.Texts(), log)
		if err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
		cp.Register(mux)
		consentNotAllowed = cp.MethodNotAllowed()
	}

	https := strings.HasPrefix(strings.ToLower(base), "https://")
	app := otelhttp.NewHandler(secure(withErrorPages(mux.ServeMux, errorPages{notFound: wa.NotFound(), notAllowed: wa.MethodNotAllowed(),
		linkNotAllowed: answerNotAllowed, consentNotAllowed: consentNotAllowed, api: apiPatterns(apiHandlers)}), https), "gateway", edgeTracing()...)
	srv := &http.Server{
		Handler:           headLimit(app, secure(tooLargeFor(wa.HeaderTooLarge(), answerTooLarge), https)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    serverMaxHead, // headLimit serves maxHead
		ErrorLog:          nil,
	}
	run := Running{Addr: lis.Addr(), Routes: mux.patterns}
	tok, wait, err := wa.SetupToken(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("gateway: setup link: %w", err)
	case tok != "":
		run.SetupURL = base + "/setup?token=" + tok
		if err := announceSetup(cfg, run.SetupURL); err != nil {
			return fmt.Errorf("gateway: %w", err)
		}
	case wait == 0:
		// No link works (an account exists, or the link was used): one
		// left in the file by an earlier run is a dead link (ADR 0218).
		forgetSetupLink(log, cfg.SetupLinkFile, "")
	case wait > 0:
		// A setup form took the link and makes the first admin on another
		// gateway, or died doing so (ADR 0214): awaitSetup gives a new
		// link if no admin comes of it (ADR 0219).
		fmt.Fprintf(cfg.Out, "No users yet. The setup link was just used; if no admin comes of it, a new link follows in %s.\n", wait.Round(time.Second))
	}

	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go invalidate(bg, be, d)
	go sweep(bg, accounts, d)
	if tok == "" && wait > 0 {
		go awaitSetup(bg, cfg, log, wa.SetupToken, base, wait, setupRetry)
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	if ready != nil {
		ready(run)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("gateway: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), d.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	return nil
}

// isTerminal reports whether w is a terminal (a character device), where
// a person reads it rather than a log collector.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
