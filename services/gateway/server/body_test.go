package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// gzipped compresses b.
func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bomb is a JSON body that inflates from about 16 KiB to 16 MiB, followed
// by bytes that are not gzip: a server that inflated it to the end to
// count its size would fail on those with another error than the limit's.
func bomb(t testing.TB) []byte {
	t.Helper()
	b, err := bombBytes()
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(b)
}

// bombBytes compresses the bomb once for the package: compressing 16 MiB
// takes seconds under -race, and the hostile sweep sends the same bytes to
// every method.
var bombBytes = sync.OnceValues(func() ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(append([]byte(`{"id":"`), bytes.Repeat([]byte("a"), 16<<20)...)); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return append(buf.Bytes(), bytes.Repeat([]byte{0xff}, 64)...), nil
})

// rawCall posts body to a gateway procedure with headers and returns the
// status and the Connect error's code and message.
func rawCall(t testing.TB, e *env, procedure string, body []byte, headers map[string]string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.base+procedure, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var wire struct{ Code, Message string }
	_ = json.Unmarshal(raw, &wire)
	return res.StatusCode, wire.Code, wire.Message
}

// TestCompressedBodies: a compressed body is inflated only up to the size
// limit, and only for a caller with a valid token; sign-in takes no
// compressed bodies at all. Too large is 413 with resource_exhausted and
// a message that says so, never 429.
func TestCompressedBodies(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	get := gatewayv1connect.RegistryServiceGetParticipantProcedure
	gz := map[string]string{"Content-Encoding": "gzip", "Authorization": "Bearer " + admin.token}

	code, ccode, msg := rawCall(t, e, get, bomb(t), gz)
	if code != http.StatusRequestEntityTooLarge || ccode != "resource_exhausted" || !strings.Contains(msg, "larger than 1024 KiB") {
		t.Errorf("gzip bomb, signed in: %d %s %q, want 413 resource_exhausted naming the limit", code, ccode, msg)
	}
	code, ccode, _ = rawCall(t, e, get, bomb(t), map[string]string{"Content-Encoding": "gzip"})
	if code != http.StatusUnauthorized || ccode != "unauthenticated" {
		t.Errorf("gzip bomb without a token: %d %s, want 401 unauthenticated", code, ccode)
	}
	code, ccode, _ = rawCall(t, e, get, bomb(t), map[string]string{"Content-Encoding": "gzip", "Authorization": "Bearer mpt_nope_nope"})
	if code != http.StatusUnauthorized || ccode != "unauthenticated" {
		t.Errorf("gzip bomb with a bad token: %d %s, want 401 unauthenticated", code, ccode)
	}
	// A small compressed body from a signed-in caller still works.
	code, ccode, _ = rawCall(t, e, get, gzipped(t, []byte(`{"id":"0190f0b0-0000-7000-8000-000000000000"}`)), gz)
	if code != http.StatusNotFound || ccode != "not_found" {
		t.Errorf("small gzip body: %d %s, want 404 not_found", code, ccode)
	}
	// Signing in: no compression, and a small limit.
	signin := gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure
	login := []byte(`{"email":"` + adminEmail + `","password":"` + adminPass + `"}`)
	code, ccode, _ = rawCall(t, e, signin, gzipped(t, login), map[string]string{"Content-Encoding": "gzip"})
	if code == http.StatusOK || ccode != "unimplemented" {
		t.Errorf("compressed sign-in: %d %s, want unimplemented", code, ccode)
	}
	big := []byte(`{"email":"` + adminEmail + `","password":"` + strings.Repeat("x", 9<<10) + `"}`)
	code, ccode, _ = rawCall(t, e, signin, big, nil)
	if code != http.StatusRequestEntityTooLarge || ccode != "resource_exhausted" {
		t.Errorf("9 KiB sign-in: %d %s, want 413 resource_exhausted", code, ccode)
	}
	if code, _, _ := rawCall(t, e, signin, login, nil); code != http.StatusOK {
		t.Errorf("plain sign-in after the refusals: %d", code)
	}
}

// TestCompressedMessages: per-message compression (gRPC-Web) and a whole
// compressed body (Connect) from Connect's own clients hit the limit as
// ResourceExhausted with the limit's message; a GET may not be compressed.
func TestCompressedMessages(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	auth := connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Authorization", "Bearer "+admin.token)
			return next(ctx, req)
		}
	}))
	hc := &http.Client{Timeout: 30 * time.Second}
	big := &gatewayv1.GetParticipantRequest{Id: strings.Repeat("a", 2<<20)}
	for name, opts := range map[string][]connect.ClientOption{
		"grpc-web": {auth, connect.WithGRPCWeb(), connect.WithSendGzip()},
		"connect":  {auth, connect.WithSendGzip()},
	} {
		c := gatewayv1connect.NewRegistryServiceClient(hc, e.base, opts...)
		_, err := c.GetParticipant(testutil.Context(t), connect.NewRequest(big))
		if connect.CodeOf(err) != connect.CodeResourceExhausted || !strings.Contains(err.Error(), "larger than 1024 KiB") {
			t.Errorf("%s: 2 MiB compressed: %v, want ResourceExhausted naming the limit", name, err)
		}
		_, err = c.GetParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: "0190f0b0-0000-7000-8000-000000000000"}))
		if connect.CodeOf(err) != connect.CodeNotFound {
			t.Errorf("%s: small compressed: %v, want NotFound", name, err)
		}
	}
	res, err := hc.Get(e.base + gatewayv1connect.RegistryServiceGetParticipantProcedure + "?encoding=json&compression=gzip&base64=1&message=H4sIAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusTooManyRequests {
		t.Errorf("compressed GET: %d", res.StatusCode)
	}
}

// TestNoStoreAndHSTS: API answers and pages are never cached; over https
// browsers are told to stay on https, and powerful browser features are
// off.
func TestNoStoreAndHSTS(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{publicURL: "https://motesplats.example.org"})
	admin := e.login(adminEmail, adminPass)
	res, err := admin.users.GetUser(testutil.Context(t), connect.NewRequest(&gatewayv1.GetUserRequest{Id: "me"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("API answer Cache-Control %q, want no-store", got)
	}
	r, err := http.Get(e.base + gatewayv1connect.UserServiceGetUserProcedure + "?encoding=json&message=%7B%22id%22%3A%22me%22%7D")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	for k, want := range map[string]string{"Cache-Control": "no-store", "Strict-Transport-Security": "max-age=31536000"} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("GET %s %q, want %q", k, got, want)
		}
	}
	if !strings.Contains(r.Header.Get("Permissions-Policy"), "camera=()") {
		t.Errorf("Permissions-Policy %q", r.Header.Get("Permissions-Policy"))
	}
	b := e.browser()
	b.signIn(adminEmail, adminPass)
	page, err := b.c.Get(e.base + "/participants")
	if err != nil {
		t.Fatal(err)
	}
	page.Body.Close()
	if page.Header.Get("Cache-Control") != "no-store" || page.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("page headers: %v", page.Header)
	}

	plain := start(t, envOptions{})
	r, err = http.Get(plain.base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if got := r.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS over plain http: %q", got)
	}
}

// TestSetupLinkNotLogged: on a first run the one-time setup link goes to
// a file only its owner can read, and not to output that is not a
// terminal (where logs are kept); the link in the file works.
func TestSetupLinkNotLogged(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	file := filepath.Join(t.TempDir(), "setup-link")
	e := start(t, envOptions{noAdmin: true, out: &out, setupFile: file})
	if strings.Contains(out.String(), "token=") || !strings.Contains(out.String(), file) {
		t.Fatalf("output %q: want the file's name and no link", out.String())
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("setup link file mode %v, want 0600", fi.Mode().Perm())
	}
	link, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	u := strings.TrimSpace(string(link))
	i := strings.Index(u, "/setup?token=")
	if i < 0 {
		t.Fatalf("file holds %q", u)
	}
	b := e.browser()
	code, page := b.get(u[i:])
	if code != http.StatusOK {
		t.Errorf("the link from the file: %d, want 200", code)
	}
	// The form makes the first admin and says so on the sign-in page it
	// leads to (it said nothing: outside round s30).
	tok := u[i+len("/setup?token="):]
	if m := csrfRe.FindStringSubmatch(page); m != nil {
		b.csrf = m[1]
	}
	code, loc := b.post("/setup", url.Values{"token": {tok}, "display_name": {"Kim"}, "email": {"kim@example.org"}, "password": {"kim-testar-123456"}})
	if code != http.StatusSeeOther {
		t.Fatalf("the setup form: %d %s, want 303", code, trim(loc))
	}
	if _, signin := b.get(loc); !strings.Contains(signin, "Administratören är skapad.") || !strings.Contains(signin, `id="f-email"`) {
		t.Errorf("after setup %s: no word that the admin was made:\n%s", loc, trim(signin))
	}
	b.signIn("kim@example.org", "kim-testar-123456")
	// Without a file, the link is not printed to a non-terminal at all.
	var out2 bytes.Buffer
	start(t, envOptions{noAdmin: true, out: &out2})
	if strings.Contains(out2.String(), "token=") || !strings.Contains(out2.String(), "MP_SETUP_LINK_FILE") {
		t.Fatalf("output without a file %q: want advice and no link", out2.String())
	}
}
