package ops_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"
)

// plainSignIn signs in to the NATS at natsURL as a client without TLS
// would: it reads the server's INFO and sends CONNECT with user and
// password and a PING in clear. It reports whether the server asks for
// TLS, and everything the server answered after INFO: a server that
// requires TLS answers no PONG (it takes the CONNECT for a broken TLS
// handshake and closes the connection), so the client is never signed
// in, whatever the password.
func plainSignIn(t *testing.T, natsURL, user, password string) (tlsRequired bool, answer string) {
	t.Helper()
	u, err := url.Parse(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Not a timed assert: a bound on a read that ends when the server
	// closes, so a server that waits forever fails the test instead of
	// hanging it.
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "INFO ") {
		t.Fatalf("no INFO from %s: %q %v", natsURL, line, err)
	}
	var info struct {
		TLSRequired bool `json:"tls_required"`
	}
	if err := json.Unmarshal([]byte(strings.TrimPrefix(strings.TrimSpace(line), "INFO ")), &info); err != nil {
		t.Fatalf("INFO %q: %v", line, err)
	}
	connect, _ := json.Marshal(map[string]any{"verbose": true, "pedantic": false, "user": user, "pass": password, "protocol": 1})
	if _, err := fmt.Fprintf(c, "CONNECT %s\r\nPING\r\n", connect); err != nil {
		return info.TLSRequired, "write: " + err.Error()
	}
	rest, _ := io.ReadAll(r)
	return info.TLSRequired, string(rest)
}

// signedInPlain reports whether answer is a server's welcome of a
// CONNECT (+OK, or the PONG to its PING).
func signedInPlain(answer string) bool {
	return strings.Contains(answer, "+OK") || strings.Contains(answer, "PONG")
}
