package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLongHeadInTheUsersWords: a request whose address or cookies pass
// 64 KiB, the head the gateway serves, is answered 431 by the app's page
// in the browser's language, not net/http's line of English (ADR 0126
// found it; ADR 0132); the API keeps net/http's words; a head under the
// limit is served as before; past net/http's own limit (256 KiB) its
// answer is still a 431. Each such answer closes the connection.
func TestLongHeadInTheUsersWords(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	send := func(method, path string, header http.Header) (int, bool, string) {
		t.Helper()
		req, err := http.NewRequest(method, e.base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %d bytes: %v", method, len(path), err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Close, string(body)
	}
	long := func(n int) string { return "/participants/" + strings.Repeat("a", n) }
	for _, tt := range []struct {
		name, method, path string
		header             http.Header
		want               int
		words              string
	}{
		{"an address of 100 KiB", "GET", long(100 << 10), http.Header{"Accept-Language": {"sv-SE,sv;q=0.9"}}, 431, "Adressen eller kakorna som webbläsaren skickade var för långa"},
		{"cookies of 100 KiB", "POST", "/participants", http.Header{"Accept-Language": {"en"}, "Cookie": {"x=" + strings.Repeat("b", 100<<10)}},
			431, "The address or the cookies the browser sent were too long"},
		{"the API", "POST", "/motesplats.gateway.v1.RegistryService/ListParticipants", http.Header{"X-Pad": {strings.Repeat("c", 100<<10)}},
			431, "431 Request Header Fields Too Large"},
		// An answer link (a newcomer's) gets the answer page's own, in
		// their language and without the coordinators' menu (ADR 0149).
		{"an answer link of 100 KiB", "GET", "/a/" + strings.Repeat("a", 100<<10), http.Header{"Accept-Language": {"ar"}}, 431, "الرابط لا يعمل"},
		{"past net/http's limit", "GET", long(300 << 10), http.Header{"Accept-Language": {"sv"}}, 431, "431 Request Header Fields Too Large"},
	} {
		code, closed, body := send(tt.method, tt.path, tt.header)
		if code != tt.want || !strings.Contains(body, tt.words) || !closed {
			t.Errorf("%s: %d, connection closed %t, %.300s; want %d with %q, closed", tt.name, code, closed, body, tt.want, tt.words)
		}
		if strings.HasPrefix(tt.path, "/a/") && strings.Contains(body, "Tillbaka till översikten") {
			t.Errorf("%s: the coordinators' error page", tt.name)
		}
		if strings.Contains(body, strings.Repeat("a", 100)) {
			t.Errorf("%s: the answer repeats the address", tt.name)
		}
	}
	// Just under the limit: the app's answer to the address (sign in
	// first), as before.
	if code, _, _ := send("GET", long(60<<10), http.Header{}); code == 431 || code >= 500 {
		t.Errorf("an address of 60 KiB: %d, want it served", code)
	}
}
