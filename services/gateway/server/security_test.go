package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestCSRF: a form post without the session's token, or with another, is
// refused and changes nothing.
func TestCSRF(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	e.coordinator(admin, "c@example.org", org, "0880")
	b := e.browser()
	b.signIn("c@example.org", password)
	form := url.Values{"given_name": {"Amina"}, "municipality_code": {"0880"}, "household_size": {"1"}, "swedish_level": {"SWEDISH_LEVEL_SFI_A"}}
	// Real tokens of other sessions: the same user's in another browser,
	// and another user's (ADR 0195). Each session has its own.
	same, other := e.browser(), e.browser()
	same.signIn("c@example.org", password)
	e.coordinator(admin, "d@example.org", org, "0880")
	other.signIn("d@example.org", password)
	if same.csrf == "" || other.csrf == "" || same.csrf == b.csrf || other.csrf == b.csrf {
		t.Fatalf("session tokens: %q %q %q", b.csrf, same.csrf, other.csrf)
	}
	for name, tok := range map[string]string{"missing": "", "wrong": "not-the-token",
		"the same user's other session's": same.csrf, "another user's session's": other.csrf} {
		f := url.Values{"csrf": {tok}}
		for k, v := range form {
			f[k] = v
		}
		if code, _ := b.post("/participants", f); code != http.StatusForbidden {
			t.Errorf("%s token: %d, want 403", name, code)
		}
	}
	// The sign-in form is protected too (double-submit cookie).
	anon := e.browser()
	if code, _ := anon.post("/signin", url.Values{"email": {"c@example.org"}, "password": {password}, "csrf": {"forged"}}); code != http.StatusForbidden {
		t.Errorf("sign-in without the cookie's token: %d, want 403", code)
	}
	res, err := admin.registry.ListParticipants(testutil.Context(t), connect.NewRequest(&gatewayv1.ListParticipantsRequest{}))
	if err != nil || len(res.Msg.GetParticipants()) != 0 {
		t.Fatalf("a refused post registered someone: %v %v", res, err)
	}
	if code, _ := b.post("/participants", form); code != http.StatusSeeOther {
		t.Fatalf("with the token: %d, want 303", code)
	}
}

// TestSignInRateLimit: after the burst, more attempts on one account are
// refused with 429 and ResourceExhausted, even with the right password.
func TestSignInRateLimit(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{burst: 3})
	b := e.browser()
	b.get("/signin")
	for i := range 3 {
		code, body := b.post("/signin", url.Values{"email": {adminEmail}, "password": {"wrong password!"}})
		if code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i, code)
		}
		mustContain(t, body, "Fel e-postadress eller lösenord.") // the Swedish page speaks Swedish
	}
	code, body := b.post("/signin", url.Values{"email": {adminEmail}, "password": {adminPass}})
	if code != http.StatusTooManyRequests {
		t.Fatalf("after the burst: %d, want 429", code)
	}
	mustContain(t, body, "för många inloggningsförsök")
	// Retry-After tells a client the wait the page tells its reader (it
	// said 60 s beside "vänta 18s"; outside round, session 20).
	res, err := b.c.PostForm(e.base+"/signin", url.Values{"csrf": {b.csrf}, "email": {adminEmail}, "password": {adminPass}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	wait := regexp.MustCompile(`vänta (\d+)s`).FindSubmatch(page)
	if res.StatusCode != http.StatusTooManyRequests || wait == nil || res.Header.Get("Retry-After") != string(wait[1]) {
		t.Fatalf("after the burst: %d, Retry-After %q, page says %q", res.StatusCode, res.Header.Get("Retry-After"), wait)
	}
	_, err = e.api("").tokens.CreateApiToken(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateApiTokenRequest{Email: adminEmail, Password: adminPass}))
	if connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Fatalf("API sign-in after the burst: %v, want ResourceExhausted", err)
	}
}

// TestSessionExpiry: a session stops working at its end.
func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e := start(t, envOptions{clock: clk, sessionTTL: time.Hour})
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	clk.Advance(59 * time.Minute)
	if code, _ := b.get("/"); code != http.StatusOK {
		t.Fatalf("before the end: %d", code)
	}
	clk.Advance(2 * time.Minute)
	if code, loc := b.get("/"); code != http.StatusSeeOther {
		t.Fatalf("after the end: %d %s, want a redirect to sign in", code, loc)
	}
}

// TestRevocation: disabling a user ends their browser session and API
// token on the very next request.
func TestRevocation(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	coord := e.coordinator(admin, "c@example.org", org, "0880")
	b := e.browser()
	b.signIn("c@example.org", password)
	me, err := coord.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = admin.users.UpdateUser(ctx, connect.NewRequest(&gatewayv1.UpdateUserRequest{
		User: &gatewayv1.User{Id: me.Msg.GetUser().GetId(), Disabled: true}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}}))
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := b.get("/participants"); code != http.StatusSeeOther {
		t.Fatalf("session after revocation: %d, want a redirect to sign in", code)
	}
	if _, err := coord.registry.ListParticipants(ctx, connect.NewRequest(&gatewayv1.ListParticipantsRequest{})); connect.CodeOf(err) != connect.CodeUnauthenticated {
		t.Fatalf("token after revocation: %v, want Unauthenticated", err)
	}
	b2 := e.browser()
	b2.get("/signin")
	if code, _ := b2.post("/signin", url.Values{"email": {"c@example.org"}, "password": {password}}); code != http.StatusUnauthorized {
		t.Fatalf("sign-in of a disabled user: %d, want 401", code)
	}
}

// TestOversizedBodies: a form over 64 KiB gets 413 (the app's error page,
// saying what to do) and an API message over 1 MiB ResourceExhausted,
// before either is processed.
func TestOversizedBodies(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	code, page := b.post("/participants", url.Values{"given_name": {strings.Repeat("a", 100<<10)}})
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("big form: %d, want 413", code)
	}
	// The app's own page, in words a coordinator can act on, not Go's bare
	// "request too large" (outside round, session 20).
	mustContain(t, page, "<!doctype html>", "Formuläret var för stort för att skickas")
	admin := e.login(adminEmail, adminPass)
	big := strings.Repeat("a", 2<<20)
	_, err := admin.registry.GetParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: big}))
	if connect.CodeOf(err) != connect.CodeResourceExhausted {
		t.Fatalf("big message: %v, want ResourceExhausted", err)
	}
	res, err := http.Post(e.base+"/motesplats.gateway.v1.RegistryService/GetParticipant", "application/json", bytes.NewReader([]byte(`{"id":`)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusInternalServerError {
		t.Fatal("malformed JSON got a 500")
	}
}

// TestAuditTrail: reads, changes and exports are recorded with who, what
// and from where, without personal data, and admins find them by user and
// time.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Org", "0880")
	coord := e.coordinator(admin, "c@example.org", org, "0880")
	before := time.Now()
	id := newcomer(t, coord, org, "0880", "Zainab")
	if _, err := coord.registry.GetParticipant(ctx, connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: id})); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.signIn("c@example.org", password)
	if code, _ := b.get("/reports/export.csv"); code != http.StatusOK {
		t.Fatalf("export: %d", code)
	}
	me, _ := coord.users.GetUser(ctx, connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	uid := me.Msg.GetUser().GetId()
	res, err := admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{UserId: uid, StartTime: timestamppb.New(before)}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range res.Msg.GetEntries() {
		if en.GetUserId() != uid || en.GetRemoteAddr() == "" || en.GetTime() == nil {
			t.Errorf("incomplete entry %v", en)
		}
		got = append(got, en.GetAction()+" "+en.GetResourceType()+" "+en.GetResourceId())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"create participant " + id, "read participant " + id, "export report "} {
		if !strings.Contains(all, want) {
			t.Errorf("audit lacks %q; has:\n%s", want, all)
		}
	}
	if strings.Contains(res.Msg.String(), "Zainab") {
		t.Error("an audit entry holds a name")
	}
	// Coordinators cannot read the log; a later window is empty.
	if _, err := coord.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{})); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("coordinator reading the audit log: %v", err)
	}
	later, err := admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{UserId: uid, StartTime: timestamppb.New(time.Now().Add(time.Hour))}))
	if err != nil || len(later.Msg.GetEntries()) != 0 {
		t.Fatalf("entries after now: %v %v", later, err)
	}
	// A window past Timestamp's range, which binary protobuf carries and
	// JSON cannot: the caller's mistake, not an internal error (ADR 0195).
	for _, ts := range []*timestamppb.Timestamp{{Seconds: 1 << 40}, {Seconds: -1 << 40}} {
		_, err := admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{StartTime: ts}))
		if connect.CodeOf(err) != connect.CodeInvalidArgument || strings.Contains(err.Error(), "json") {
			t.Errorf("an audit window from %d s: %v, want InvalidArgument", ts.GetSeconds(), err)
		}
	}
}

// signInFrom calls CreateApiToken as if from addr (the harness trusts one
// proxy) and returns the HTTP status.
func signInFrom(t *testing.T, e *env, addr, email, pass string) int {
	t.Helper()
	body := []byte(`{"email":"` + email + `","password":"` + pass + `"}`)
	code, _, _ := rawCall(t, e, "/motesplats.gateway.v1.ApiTokenService/CreateApiToken", body, map[string]string{"X-Forwarded-For": addr})
	return code
}

// TestSignInNoLockout: wrong passwords from other addresses, however
// many, do not stop the owner signing in, from an address they used before
// or from a new one; guessing from one address is stopped after the burst,
// and guessing from many addresses on one account is slowed to one
// attempt per address per slow period once the account's budget is spent.
func TestSignInNoLockout(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()} // the buckets do not refill while the test runs
	e := start(t, envOptions{burst: 3, clock: clk, trustedProxies: 1})
	const home, attacker = "203.0.113.5", "198.51.100.7"
	if code := signInFrom(t, e, home, adminEmail, adminPass); code != http.StatusOK {
		t.Fatalf("owner's first sign-in: %d", code)
	}
	for i := range 3 {
		if code := signInFrom(t, e, attacker, adminEmail, "wrong password "+strconv.Itoa(i)); code != http.StatusUnauthorized {
			t.Fatalf("attacker's guess %d: %d, want 401", i, code)
		}
	}
	if code := signInFrom(t, e, attacker, adminEmail, adminPass); code != http.StatusTooManyRequests {
		t.Fatalf("one address past its burst: %d, want 429 even with the right password", code)
	}
	// Six more addresses spend the account's budget of 9 wrong passwords.
	for i := range 6 {
		if code := signInFrom(t, e, "198.51.100."+strconv.Itoa(10+i), adminEmail, "wrong password!"); code != http.StatusUnauthorized {
			t.Fatalf("guess from address %d: %d, want 401", i, code)
		}
	}
	// Now each new address gets one attempt on the account, then waits.
	if code := signInFrom(t, e, "198.51.100.50", adminEmail, "wrong password!"); code != http.StatusUnauthorized {
		t.Fatalf("first guess from a new address under attack: %d, want 401", code)
	}
	if code := signInFrom(t, e, "198.51.100.50", adminEmail, "wrong password?"); code != http.StatusTooManyRequests {
		t.Fatalf("second guess from that address: %d, want 429 (its own burst is not spent, the account's is)", code)
	}
	// The owner: from home, and from a new address, and in the browser.
	if code := signInFrom(t, e, home, adminEmail, adminPass); code != http.StatusOK {
		t.Fatalf("owner from home under attack: %d, want 200", code)
	}
	if code := signInFrom(t, e, "203.0.113.77", adminEmail, adminPass); code != http.StatusOK {
		t.Fatalf("owner from a new address under attack: %d, want 200", code)
	}
	e.browser().signIn(adminEmail, adminPass)
	// Other accounts are untouched by the attack on this one.
	if code := signInFrom(t, e, "198.51.100.51", "someone@example.org", "wrong password!"); code != http.StatusUnauthorized {
		t.Fatalf("another account from a fresh address: %d, want 401", code)
	}
}
