package cli

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// dyingGateway listens on loopback and, for every connection, reads the
// whole call and then goes away without an answer, as a gateway killed
// (kill -9) while it carried the call out: with a reset (reset true: the
// kernel resets a socket closed with data unread) or a plain close.
func dyingGateway(t *testing.T, reset bool) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			if req, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
				_, _ = io.Copy(io.Discard, req.Body)
			}
			if reset {
				_ = c.(*net.TCPConn).SetLinger(0)
			}
			_ = c.Close()
		}
	}()
	return "http://" + l.Addr().String()
}

// TestGatewayGoneMidCallIsSaidSo: a gateway killed while it carried out a
// call (the e-mail change of a user, an approval) left mp saying
// "avbrutet" (connect's code for a reset connection, as if the user had
// cancelled) or "svarar inte just nu; försök igen", and nothing said that
// the change may have been made: after a restart the new address stood
// (outside round s39, ADR 0219). mp now says the connection broke during
// the call and to look before sending it again. A gateway that is not
// there at all, and a call the user cancelled, keep their words.
func TestGatewayGoneMidCallIsSaidSo(t *testing.T) {
	t.Parallel()
	args := []string{"users", "email", "01a24bc1-47c3-7a54-a0bf-dad8b82e0de2", "ny@example.org"}
	for _, reset := range []bool{true, false} {
		server := dyingGateway(t, reset)
		for lang, want := range map[string]string{
			"":   "gatewayn stängde förbindelsen mitt i anropet (stannade den?), så det du bad om kan ha blivit gjort eller inte: titta efter innan du skickar det igen",
			"en": "the gateway closed the connection in the middle of the call (did it stop?), so what you asked for may or may not have been done: look before you send it again",
		} {
			e, _ := signedIn(t, &http.Client{}, server, "tok", lang)
			err := Run(context.Background(), args, e)
			if err == nil || err.Error() != want {
				t.Errorf("reset %v, MP_LANG=%q: %v, want %q", reset, lang, err, want)
			}
		}
	}
	// Nothing listening: the gateway is down, as before.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	_ = l.Close()
	e, _ := signedIn(t, &http.Client{}, down, "tok", "")
	if err := Run(context.Background(), args, e); err == nil || !strings.HasPrefix(err.Error(), "ingen gateway svarar på "+down) {
		t.Errorf("no gateway: %v", err)
	}
	// The user's own cancel (Ctrl-C) is still "avbrutet".
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e, _ = signedIn(t, &http.Client{}, dyingGateway(t, true), "tok", "")
	if err := Run(ctx, args, e); err == nil || err.Error() != "avbrutet" {
		t.Errorf("cancelled: %v, want avbrutet", err)
	}
}
