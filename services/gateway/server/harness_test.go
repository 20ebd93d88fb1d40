package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
	dinners "github.com/motesplats/motesplats/services/dinners/server"
	"github.com/motesplats/motesplats/services/gateway/internal/account"
	"github.com/motesplats/motesplats/services/gateway/internal/answer"
	"github.com/motesplats/motesplats/services/gateway/internal/backend"
	"github.com/motesplats/motesplats/services/gateway/server"
	guides "github.com/motesplats/motesplats/services/guides/server"
	mentoring "github.com/motesplats/motesplats/services/mentoring/server"
	notify "github.com/motesplats/motesplats/services/notify/server"
	participants "github.com/motesplats/motesplats/services/participants/server"
	volunteers "github.com/motesplats/motesplats/services/volunteers/server"
)

const (
	adminEmail = "admin@example.org"
	adminPass  = "correct horse battery"
	password   = "a long enough password"
)

// clock is a settable clock shared by the gateway and the services, so a
// test can move time past a session's end. With t set it stands still;
// with t zero it runs with the wall clock, off ahead of it (a test whose
// setup takes seconds, while tokens signed on the wall clock must stay
// valid).
type clock struct {
	mu  sync.Mutex
	t   time.Time
	off time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		return time.Now().Add(c.off)
	}
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.off += d
		return
	}
	c.t = c.t.Add(d)
}

// env is a running gateway in front of real participants, volunteers,
// mentoring and guides services on a private embedded NATS.
type env struct {
	t     testing.TB
	base  string
	key   ed25519.PrivateKey
	addrs backend.Addrs
	clock *clock
	cfg   server.Config
	// js is the stack's JetStream, for tests that consume or inspect
	// streams beside the services (dead letters).
	js jetstream.JetStream
	// routes are the patterns the gateway's mux serves (the route guard).
	routes []string
	// deps are the services' dependencies; stopParticipants stops the
	// participants service and returns once it ended (ADR 0182: names
	// while it is down).
	deps             service.Deps
	stopParticipants func()
	// stopVolunteers is stopParticipants for the volunteers service
	// (organisations' names, ADR 0188).
	stopVolunteers func()
	// stopMentoring is stopParticipants for the mentoring service (a
	// report's pairs that cannot be read, ADR 0271).
	stopMentoring func()
}

type envOptions struct {
	cache      cache.Backend
	clock      *clock
	sessionTTL time.Duration
	burst      int
	oidc       server.OIDCConfig
	// publicURL sets MP_PUBLIC_URL; trustedProxies MP_TRUSTED_PROXIES
	// (tests then choose their address with X-Forwarded-For).
	publicURL      string
	trustedProxies int
	// noAdmin starts without MP_ADMIN_EMAIL (first-run setup); out and
	// setupFile are Config.Out and Config.SetupLinkFile.
	noAdmin   bool
	out       io.Writer
	setupFile string
	// notify runs the notify service too (development mailbox, answer
	// links), with answerLimits on the answer page.
	notify       bool
	answerLimits answer.Limits
	// pickerSearchAbove is Config.PickerSearchAbove.
	pickerSearchAbove int
	// logs, when set, receives every part's structured log (JSON), so a
	// test can see what the callers cannot: a recovered panic. logLevel
	// is its least level (slog.LevelDebug: every call a service answers).
	logs     io.Writer
	logLevel slog.Level
	// olderDinners, when set, puts olderDinners between the gateway and
	// the dinners service: while it is true, ListUnseated answers as a
	// service from before ADR 0228 (no party names its newcomer).
	olderDinners *atomic.Bool
	// olderParticipants is olderDinners for the participants service:
	// while true, its batch name read names no registration time.
	olderParticipants *atomic.Bool
}

// testHashCost is the password hashes' cost in these tests: Argon2id
// still, over 64 KiB once. At the deployment's cost (19 MiB, two passes)
// each hash took 0.7 s of CPU under -race, and the package's stacks make
// hundreds (a stack's start two, every user created and every sign-in
// one): about a third of its CPU (ADR 0163). The deployment's cost is
// checked in internal/account (TestDeploymentHashCost).
var testHashCost = account.HashCost{MemoryKiB: 64, Passes: 1}

func start(t testing.TB, o envOptions) *env {
	t.Helper()
	n := testutil.MustNATS(t)
	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now
	if o.clock != nil {
		now = o.clock.Now
	}
	d := service.Deps{
		JS:       n.JS,
		Cache:    o.cache,
		Verifier: auth.NewVerifier(map[string]ed25519.PublicKey{"local": key.Public().(ed25519.PublicKey)}, now, 5*time.Second),
		Now:      now,
	}
	if o.logs != nil {
		d.Logger = slog.New(slog.NewJSONHandler(o.logs, &slog.HandlerOptions{Level: o.logLevel}))
	}
	d = d.WithDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	runPart := func(name string, f func(ready func(net.Addr)) error) string {
		ready := make(chan net.Addr, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(func(a net.Addr) { ready <- a }); err != nil {
				t.Errorf("%s: %v", name, err)
				ready <- nil
			}
		}()
		a := <-ready
		if a == nil {
			t.FailNow()
		}
		return a.String()
	}
	e := &env{t: t, key: key, clock: o.clock, js: n.JS, deps: d}
	pctx, stopParticipants := context.WithCancel(ctx)
	pdone := make(chan struct{})
	e.addrs.Participants = runPart("participants", func(r func(net.Addr)) error {
		defer close(pdone)
		return participants.Run(pctx, "127.0.0.1:0", d, participants.Options{}, r)
	})
	e.stopParticipants = func() { stopParticipants(); <-pdone }
	vctx, stopVolunteers := context.WithCancel(ctx)
	vdone := make(chan struct{})
	e.addrs.Volunteers = runPart("volunteers", func(r func(net.Addr)) error {
		defer close(vdone)
		return volunteers.Run(vctx, "127.0.0.1:0", d, volunteers.Options{}, r)
	})
	e.stopVolunteers = func() { stopVolunteers(); <-vdone }
	mctx, stopMentoring := context.WithCancel(ctx)
	mdone := make(chan struct{})
	e.addrs.Mentoring = runPart("mentoring", func(r func(net.Addr)) error {
		defer close(mdone)
		return mentoring.Run(mctx, "127.0.0.1:0", d, mentoring.Options{JobAckWait: 5 * time.Second}, r)
	})
	e.stopMentoring = func() { stopMentoring(); <-mdone }
	e.addrs.Dinners = runPart("dinners", func(r func(net.Addr)) error {
		return dinners.Run(ctx, "127.0.0.1:0", d, dinners.Options{JobAckWait: 5 * time.Second}, r)
	})
	e.addrs.Guides = runPart("guides", func(r func(net.Addr)) error {
		return guides.Run(ctx, "127.0.0.1:0", d, guides.Options{JobAckWait: 5 * time.Second}, r)
	})
	if o.notify {
		no := notify.Options{SigningKey: key, KeyID: "local", LinkKey: bytes.Repeat([]byte{7}, 32),
			PublicURL: "http://gateway.invalid", SendInterval: 50 * time.Millisecond, SweepInterval: time.Hour}
		no.Services.Participants, no.Services.Volunteers, no.Services.Mentoring = e.addrs.Participants, e.addrs.Volunteers, e.addrs.Mentoring
		no.Services.Dinners, no.Services.Guides = e.addrs.Dinners, e.addrs.Guides
		e.addrs.Notify = runPart("notify", func(r func(net.Addr)) error { return notify.Run(ctx, "127.0.0.1:0", d, no, r) })
	}
	services := e.addrs
	if o.olderDinners != nil {
		services.Dinners = olderDinners(t, e.addrs.Dinners, o.olderDinners)
	}
	if o.olderParticipants != nil {
		services.Participants = olderParticipants(t, e.addrs.Participants, o.olderParticipants)
	}
	e.cfg = server.Config{
		Addr: "127.0.0.1:0", Services: services, SigningKey: key, KeyID: "local",
		AdminEmail: adminEmail, AdminPassword: adminPass, SessionTTL: o.sessionTTL, SignInBurst: o.burst,
		OIDC: o.oidc, PublicURL: o.publicURL, TrustedProxies: o.trustedProxies,
		Out: o.out, SetupLinkFile: o.setupFile, AnswerLimits: o.answerLimits, PickerSearchAbove: o.pickerSearchAbove,
		PasswordHashCost: testHashCost,
	}
	if o.noAdmin {
		e.cfg.AdminEmail, e.cfg.AdminPassword = "", ""
	}
	ready := make(chan server.Running, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := server.Run(ctx, e.cfg, d, func(r server.Running) { ready <- r }); err != nil {
			t.Errorf("gateway: %v", err)
			ready <- server.Running{}
		}
	}()
	r := <-ready
	if r.Addr == nil {
		t.FailNow()
	}
	e.base = "http://" + r.Addr.String()
	e.routes = r.Routes
	return e
}

// apiClient returns Connect clients signed in as email.
type apiClient struct {
	users    gatewayv1connect.UserServiceClient
	registry gatewayv1connect.RegistryServiceClient
	matching gatewayv1connect.MatchingServiceClient
	dinners  gatewayv1connect.DinnersServiceClient
	audit    gatewayv1connect.AuditServiceClient
	tokens   gatewayv1connect.ApiTokenServiceClient
	guides   gatewayv1connect.GuidesServiceClient
	messages gatewayv1connect.MessageServiceClient
	token    string
}

func (e *env) api(token string) *apiClient {
	hc := &http.Client{Timeout: 30 * time.Second}
	opts := []connect.ClientOption{connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if token != "" {
				req.Header().Set("Authorization", "Bearer "+token)
			}
			return next(ctx, req)
		}
	}))}
	return &apiClient{
		users:    gatewayv1connect.NewUserServiceClient(hc, e.base, opts...),
		registry: gatewayv1connect.NewRegistryServiceClient(hc, e.base, opts...),
		matching: gatewayv1connect.NewMatchingServiceClient(hc, e.base, opts...),
		dinners:  gatewayv1connect.NewDinnersServiceClient(hc, e.base, opts...),
		audit:    gatewayv1connect.NewAuditServiceClient(hc, e.base, opts...),
		tokens:   gatewayv1connect.NewApiTokenServiceClient(hc, e.base, opts...),
		guides:   gatewayv1connect.NewGuidesServiceClient(hc, e.base, opts...),
		messages: gatewayv1connect.NewMessageServiceClient(hc, e.base, opts...),
		token:    token,
	}
}

// login signs in over the API and returns a client with the token.
func (e *env) login(email, pass string) *apiClient {
	e.t.Helper()
	res, err := e.api("").tokens.CreateApiToken(testutil.Context(e.t), connect.NewRequest(&gatewayv1.CreateApiTokenRequest{Email: email, Password: pass, Name: "test"}))
	if err != nil {
		e.t.Fatalf("sign in %s: %v", email, err)
	}
	return e.api(res.Msg.GetToken())
}

// createOrg creates an organisation through the volunteers service
// directly (the gateway has no organisation admin screens yet).
func (e *env) createOrg(name string, munis ...string) string {
	e.t.Helper()
	c := e.serviceClient()
	res, err := c.CreateOrganisation(testutil.Context(e.t), &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: name, Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: munis}})
	if err != nil {
		e.t.Fatal(err)
	}
	return res.GetOrganisation().GetId()
}

// coordinator creates a coordinator user through the admin API.
func (e *env) coordinator(admin *apiClient, email, org string, munis ...string) *apiClient {
	e.t.Helper()
	_, err := admin.users.CreateUser(testutil.Context(e.t), connect.NewRequest(&gatewayv1.CreateUserRequest{
		User: &gatewayv1.User{Email: email, DisplayName: "Coordinator " + email, Role: gatewayv1.Role_ROLE_COORDINATOR,
			OrganisationId: org, MunicipalityCodes: munis, Locale: "en"}, Password: password}))
	if err != nil {
		e.t.Fatalf("create coordinator: %v", err)
	}
	return e.login(email, password)
}

// browser is an HTTP client with a cookie jar that follows the web app's
// forms the way a browser does.
type browser struct {
	t    testing.TB
	e    *env
	c    *http.Client
	csrf string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches path and remembers the page's CSRF token.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	res, err := b.c.Get(b.e.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return res.StatusCode, string(body)
}

// post submits a form with the remembered CSRF token (unless form sets
// csrf itself).
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	res, err := b.c.PostForm(b.e.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	if res.StatusCode == http.StatusSeeOther {
		return res.StatusCode, res.Header.Get("Location")
	}
	return res.StatusCode, string(body)
}

// signIn signs the browser in and fails the test if it cannot.
// swedish chooses Swedish for the session, as a user does in the
// settings, so the test reads the pages' Swedish words.
func (b *browser) swedish() {
	b.t.Helper()
	if code, _ := b.post("/settings/locale", url.Values{"locale": {"sv"}}); code != http.StatusSeeOther {
		b.t.Fatalf("choose Swedish: %d", code)
	}
}

func (b *browser) signIn(email, pass string) {
	b.t.Helper()
	b.get("/signin")
	code, loc := b.post("/signin", url.Values{"email": {email}, "password": {pass}})
	if code != http.StatusSeeOther || loc != "/" {
		b.t.Fatalf("sign in: %d %s", code, trim(loc))
	}
	if code, _ := b.get("/"); code != http.StatusOK {
		b.t.Fatalf("dashboard after sign-in: %d", code)
	}
}

func trim(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "..."
	}
	return s
}

func mustContain(t testing.TB, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("page lacks %q:\n%s", w, trim(body))
		}
	}
}

// startWithRedis starts the environment with its view cache in a
// redis-server of t's own, and returns the client on it (to read or delete
// what the gateway keeps) and its address (for a client of its own).
func startWithRedis(t *testing.T, o envOptions) (*env, *redis.Client, string) {
	t.Helper()
	addr := testutil.MustRedis(t)
	rc, err := cache.NewRedisClient("redis://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	o.cache = cache.NewRedis(rc)
	return start(t, o), rc, addr
}
