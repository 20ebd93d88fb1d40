package server_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/server"
)

const (
	oidcClientID = "motesplats-gateway"
	oidcSecret   = "client secret"
	ssoButton    = `href="/signin/oidc"`
)

// ssoBrowser is a browser that follows redirects, across the gateway and
// the provider, and keeps every Set-Cookie the gateway sent.
type ssoBrowser struct {
	t       testing.TB
	e       *env
	c       *http.Client
	lang    string // Accept-Language, when set
	mu      sync.Mutex
	cookies []string
}

func (e *env) ssoBrowser() *ssoBrowser {
	jar, _ := cookiejar.New(nil)
	b := &ssoBrowser{t: e.t, e: e}
	b.c = &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: b}
	return b
}

// RoundTrip records the gateway's cookies as a browser's developer tools
// would show them.
func (b *ssoBrowser) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.lang != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Accept-Language", b.lang)
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && strings.HasPrefix(r.URL.String(), b.e.base) {
		b.mu.Lock()
		b.cookies = append(b.cookies, res.Header.Values("Set-Cookie")...)
		b.mu.Unlock()
	}
	return res, err
}

func (b *ssoBrowser) get(path string) (*http.Response, string) {
	b.t.Helper()
	res, err := b.c.Get(b.e.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// signIn shows the sign-in page, clicks the single sign-on button and
// follows the provider's redirects back; it returns the last response.
func (b *ssoBrowser) signIn() (*http.Response, string) {
	b.t.Helper()
	_, page := b.get("/signin")
	mustContain(b.t, page, ssoButton, "Logga in med Kommunkonto")
	return b.get("/signin/oidc")
}

func (b *ssoBrowser) cookie(name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.cookies {
		if strings.HasPrefix(c, name+"=") && !strings.HasPrefix(c, name+"=;") {
			return c
		}
	}
	return ""
}

// createUser adds a user through the admin API and returns its id.
func createUser(t testing.TB, admin *apiClient, u *gatewayv1.User) string {
	t.Helper()
	u.DisplayName, u.Locale = "User "+u.GetEmail(), "sv"
	res, err := admin.users.CreateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateUserRequest{User: u, Password: password}))
	if err != nil {
		t.Fatalf("create %s: %v", u.GetEmail(), err)
	}
	return res.Msg.GetUser().GetId()
}

func disable(t testing.TB, admin *apiClient, id string) {
	t.Helper()
	_, err := admin.users.UpdateUser(testutil.Context(t), connect.NewRequest(&gatewayv1.UpdateUserRequest{
		User: &gatewayv1.User{Id: id, Disabled: true}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}}))
	if err != nil {
		t.Fatal(err)
	}
}

// TestOIDCSignIn: single sign-on signs in an existing, enabled user whose
// verified e-mail the provider vouches for, with the same session as a
// password sign-in; everything else gets one refusal and an audit entry
// that names at most the user id.
func TestOIDCSignIn(t *testing.T) {
	t.Parallel()
	idp := newProvider(t)
	e := start(t, envOptions{oidc: idp.config()})
	ctx := testutil.Context(t)
	before := time.Now()
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	annaID := createUser(t, admin, &gatewayv1.User{Email: "anna@example.org", Role: gatewayv1.Role_ROLE_COORDINATOR, OrganisationId: org, MunicipalityCodes: []string{"0880"}})
	unverifiedID := createUser(t, admin, &gatewayv1.User{Email: "unverified@example.org", Role: gatewayv1.Role_ROLE_OPERATOR})
	disabledID := createUser(t, admin, &gatewayv1.User{Email: "gone@example.org", Role: gatewayv1.Role_ROLE_OPERATOR})
	disable(t, admin, disabledID)

	// Success, with the e-mail in another case than the admin typed it.
	idp.set(identity{email: "Anna@Example.org", verified: true})
	b := e.ssoBrowser()
	res, body := b.signIn()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/" {
		t.Fatalf("sign-in ended at %s with %d:\n%s", res.Request.URL, res.StatusCode, trim(body))
	}
	mustContain(t, body, "User anna@example.org")
	if res, _ := b.get("/participants"); res.StatusCode != http.StatusOK || res.Request.URL.Path != "/participants" {
		t.Fatalf("protected page after single sign-on: %d at %s", res.StatusCode, res.Request.URL)
	}
	// The same cookie as a password sign-in; the state cookie was short
	// lived, HttpOnly, Lax, only for the callback, and spent.
	for name, want := range map[string][]string{
		"mp_session": {"Path=/;", "HttpOnly", "SameSite=Lax", "Max-Age="},
		"mp_oidc":    {"Path=/signin/oidc;", "Max-Age=600", "HttpOnly", "SameSite=Lax"},
	} {
		c := b.cookie(name)
		for _, w := range want {
			if !strings.Contains(c, w) {
				t.Errorf("cookie %s lacks %q: %s", name, w, c)
			}
		}
	}
	if res, _ := b.get("/signin/oidc/callback?code=x&state=y"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("replayed callback without a state cookie: %d, want 401", res.StatusCode)
	}

	refusals := []struct {
		name   string
		id     identity
		reason string
	}{
		{"unknown e-mail", identity{email: "nobody@example.org", verified: true}, "no_account"},
		{"e-mail not verified", identity{email: "unverified@example.org", verified: false}, "email_not_verified"},
		{"e-mail_verified missing", identity{email: "unverified@example.org"}, "email_not_verified"},
		{"disabled user", identity{email: "gone@example.org", verified: true}, "user_disabled"},
		{"wrong nonce", identity{email: "anna@example.org", verified: true, tamper: func(c map[string]any) { c["nonce"] = "another" }}, "invalid_nonce"},
		{"tampered state", identity{email: "anna@example.org", verified: true, badState: true}, "invalid_state"},
		{"expired token", identity{email: "anna@example.org", verified: true, tamper: func(c map[string]any) {
			c["exp"] = time.Now().Add(-10 * time.Minute).Unix()
		}}, "invalid_token"},
		{"another audience", identity{email: "anna@example.org", verified: true, tamper: func(c map[string]any) { c["aud"] = "another-client" }}, "invalid_token"},
		{"another issuer", identity{email: "anna@example.org", verified: true, tamper: func(c map[string]any) { c["iss"] = "https://evil.example.org" }}, "invalid_token"},
	}
	for _, tt := range refusals {
		idp.set(tt.id)
		b := e.ssoBrowser()
		res, body := b.signIn()
		if res.StatusCode != http.StatusUnauthorized || res.Request.URL.Path != "/signin/oidc/callback" {
			t.Errorf("%s: %d at %s, want 401 at the callback", tt.name, res.StatusCode, res.Request.URL.Path)
			continue
		}
		mustContain(t, body, "Det finns inget konto för den här inloggningen.")
		if res, _ := b.get("/participants"); res.Request.URL.Path != "/signin" {
			t.Errorf("%s: a refused sign-in reached %s", tt.name, res.Request.URL)
		}
		if b.cookie("mp_session") != "" {
			t.Errorf("%s: got a session cookie", tt.name)
		}
	}
	idp.set(identity{email: "nobody@example.org", verified: true})
	en := e.ssoBrowser()
	en.lang = "en"
	_, body = en.get("/signin/oidc")
	mustContain(t, body, "There is no account for this sign-in.")

	// The audit log has each refusal's reason, the user id when known, and
	// no e-mail.
	entries, err := admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{StartTime: timestamppb.New(before), PageSize: 500}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, en := range entries.Msg.GetEntries() {
		if en.GetAction() != "signin_oidc" {
			continue
		}
		got[en.GetOutcome()+" "+en.GetUserId()] = true
		if js := protojson.Format(en); strings.Contains(js, "@") || en.GetRemoteAddr() == "" {
			t.Errorf("audit entry with an e-mail or without an address: %s", js)
		}
	}
	for _, want := range []string{"ok " + annaID, "no_account ", "email_not_verified " + unverifiedID, "user_disabled " + disabledID, "invalid_nonce ", "invalid_state ", "invalid_token "} {
		if !got[want] {
			t.Errorf("no audit entry %q in %v", want, got)
		}
	}

	// Revocation works as for any session: disabling Anna ends hers.
	disable(t, admin, annaID)
	if res, _ := b.get("/"); res.Request.URL.Path != "/signin" {
		t.Fatalf("session after disabling: ended at %s", res.Request.URL)
	}
}

// TestOIDCRateLimit: the callback takes from the same buckets as a
// password sign-in: per account once the provider names it, and per
// address before anything is asked of the provider.
func TestOIDCRateLimit(t *testing.T) {
	t.Parallel()
	idp := newProvider(t)
	clk := &clock{t: time.Now()} // the buckets do not refill while the test runs
	e := start(t, envOptions{oidc: idp.config(), burst: 1, clock: clk})
	admin := e.login(adminEmail, adminPass) // 1 of the address's 5
	createUser(t, admin, &gatewayv1.User{Email: "op@example.org", Role: gatewayv1.Role_ROLE_OPERATOR})
	idp.set(identity{email: "op@example.org", verified: true})
	if res, body := e.ssoBrowser().signIn(); res.Request.URL.Path != "/" { // 2
		t.Fatalf("first sign-in: %d at %s\n%s", res.StatusCode, res.Request.URL, trim(body))
	}
	res, body := e.ssoBrowser().signIn() // 3; the account's bucket is empty
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second sign-in of the account: %d, want 429", res.StatusCode)
	}
	mustContain(t, body, "för många inloggningsförsök")
	// A password sign-in of that account is refused too: one bucket.
	pb := e.browser()
	pb.get("/signin")
	if code, _ := pb.post("/signin", url.Values{"email": {"op@example.org"}, "password": {password}}); code != http.StatusTooManyRequests { // 4
		t.Fatalf("password sign-in after single sign-on used the bucket: %d, want 429", code)
	}
	idp.set(identity{email: "nobody@example.org", verified: true})
	if res, _ := e.ssoBrowser().signIn(); res.StatusCode != http.StatusUnauthorized { // 5
		t.Fatalf("last attempt the address has: %d, want 401", res.StatusCode)
	}
	if res, _ := e.ssoBrowser().get("/signin/oidc/callback?code=x&state=y"); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("callback past the address's burst: %d, want 429", res.StatusCode)
	}
}

// TestOIDCDiscoveryLater: a provider that is down when the gateway starts
// does not stop it; the button is hidden, and appears once discovery
// succeeds on a later page view.
func TestOIDCDiscoveryLater(t *testing.T) {
	t.Parallel()
	idp := newProvider(t)
	idp.setDown(true)
	e := start(t, envOptions{oidc: idp.config()})
	admin := e.login(adminEmail, adminPass)
	createUser(t, admin, &gatewayv1.User{Email: "op@example.org", Role: gatewayv1.Role_ROLE_OPERATOR})
	b := e.ssoBrowser()
	if _, page := b.get("/signin"); strings.Contains(page, ssoButton) {
		t.Fatal("button shown while the provider is down")
	}
	if res, _ := b.get("/signin/oidc"); res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("starting single sign-on while the provider is down: %d, want 503", res.StatusCode)
	}
	idp.setDown(false)
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if _, page := b.get("/signin"); !strings.Contains(page, ssoButton) {
			return errors.New("no button yet")
		}
		return nil
	})
	idp.set(identity{email: "op@example.org", verified: true})
	if res, body := b.signIn(); res.Request.URL.Path != "/" {
		t.Fatalf("sign-in after discovery: %d at %s\n%s", res.StatusCode, res.Request.URL, trim(body))
	}
}

// TestOIDCNotConfigured: without the OIDC settings there is no button and
// no route.
func TestOIDCNotConfigured(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	b := e.ssoBrowser()
	if _, page := b.get("/signin"); strings.Contains(page, ssoButton) || strings.Contains(page, "Logga in med") {
		t.Fatal("single sign-on offered without configuration")
	}
	for _, path := range []string{"/signin/oidc", "/signin/oidc/callback?code=x&state=y"} {
		if res, _ := b.get(path); res.StatusCode != http.StatusNotFound && res.Request.URL.Path != "/signin" {
			t.Errorf("%s: %d at %s", path, res.StatusCode, res.Request.URL)
		}
	}
}

// TestOIDCConfigFromEnv: all three settings or none; the name and
// redirect are optional.
func TestOIDCConfigFromEnv(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := server.ConfigFromEnv(env("MP_OIDC_ISSUER", "https://login.example.org", "MP_OIDC_CLIENT_ID", "mp", "MP_OIDC_CLIENT_SECRET", "s", "MP_OIDC_NAME", "Kommunkonto"))
	if err != nil || c.OIDC.Issuer != "https://login.example.org" || c.OIDC.ClientID != "mp" || c.OIDC.ClientSecret != "s" || c.OIDC.Name != "Kommunkonto" {
		t.Fatalf("full configuration: %+v %v", c.OIDC, err)
	}
	for name, getenv := range map[string]func(string) string{
		"no secret":     env("MP_OIDC_ISSUER", "https://login.example.org", "MP_OIDC_CLIENT_ID", "mp"),
		"no issuer":     env("MP_OIDC_CLIENT_ID", "mp", "MP_OIDC_CLIENT_SECRET", "s"),
		"bad issuer":    env("MP_OIDC_ISSUER", "login.example.org", "MP_OIDC_CLIENT_ID", "mp", "MP_OIDC_CLIENT_SECRET", "s"),
		"bad redirect":  env("MP_OIDC_ISSUER", "https://login.example.org", "MP_OIDC_CLIENT_ID", "mp", "MP_OIDC_CLIENT_SECRET", "s", "MP_OIDC_REDIRECT_URL", "/cb"),
		"only a secret": env("MP_OIDC_CLIENT_SECRET", "s"),
	} {
		if _, err := server.ConfigFromEnv(getenv); err == nil || !strings.Contains(err.Error(), "MP_OIDC") {
			t.Errorf("%s: %v, want an error naming the setting", name, err)
		}
	}
	if c, err := server.ConfigFromEnv(env()); err != nil || c.OIDC != (server.OIDCConfig{}) {
		t.Fatalf("no OIDC settings: %+v %v", c.OIDC, err)
	}
}
