package cli

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
)

// TestLoginFindsTheGatewayOfGatewayAddr: with the stack moved to other
// ports (GATEWAY_ADDR, as the README's configuration says), `mp login`
// without -server signs in at that gateway, not at port 8080; and when no
// gateway answers it says where it looked and how to give the address.
func TestLoginFindsTheGatewayOfGatewayAddr(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/CreateApiToken") {
			calls.Add(1)
		}
		http.Error(w, "no", http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	// A port nothing listens on: one taken and released.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := lis.Addr().String()
	lis.Close()

	login := func(gatewayAddr string) error {
		dir := t.TempDir()
		env := map[string]string{"MP_CONFIG_DIR": dir, "MP_PASSWORD": "secret", "GATEWAY_ADDR": gatewayAddr}
		e := Env{Out: &bytes.Buffer{}, HTTP: srv.Client(), Getenv: func(k string) string { return env[k] }}
		return Run(context.Background(), []string{"login", "-email", "anna@example.org"}, e)
	}

	if err := login(strings.TrimPrefix(srv.URL, "http://")); err == nil {
		t.Fatal("login against a gateway that refuses the password succeeded")
	}
	if calls.Load() != 1 {
		t.Fatalf("the gateway at GATEWAY_ADDR got %d sign-ins, want 1", calls.Load())
	}

	err = login(closed)
	if err == nil || !strings.Contains(err.Error(), "http://"+closed) || !strings.Contains(err.Error(), "-server") {
		t.Fatalf("login with no gateway at %s: %v, want an error naming the address and -server", closed, err)
	}
}

// fakeTokens is the gateway's token API: it signs in anna with "pw".
type fakeTokens struct {
	gatewayv1connect.UnimplementedApiTokenServiceHandler
}

func (fakeTokens) CreateApiToken(_ context.Context, r *connect.Request[gatewayv1.CreateApiTokenRequest]) (*connect.Response[gatewayv1.CreateApiTokenResponse], error) {
	if r.Msg.GetPassword() != "pw" {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("wrong password"))
	}
	return connect.NewResponse(&gatewayv1.CreateApiTokenResponse{Token: "t", User: &gatewayv1.User{DisplayName: "Anna", Locale: "sv"}}), nil
}

// TestPipedPasswordEndsThePromptsLine: `echo PW | mp login` printed
// "Lösenord: inloggad som ..." on one line, as a terminal's Enter was
// missing; from a pipe the prompt has its own line.
func TestPipedPasswordEndsThePromptsLine(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.Handle(gatewayv1connect.NewApiTokenServiceHandler(fakeTokens{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	var out bytes.Buffer
	e := Env{In: strings.NewReader("pw\n"), Out: &out, HTTP: srv.Client(), Getenv: func(k string) string {
		if k == "MP_CONFIG_DIR" {
			return dir
		}
		return ""
	}}
	if err := Run(context.Background(), []string{"login", "-server", srv.URL, "-email", "anna@example.org"}, e); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "Lösenord:\ninloggad som Anna") {
		t.Errorf("printed %q, want the prompt's line ended before \"inloggad som\"", got)
	}
}

// TestWrongPasswordSaysSo: `mp login` with a wrong password answered
// "inloggningen gäller inte längre: kör mp login", as if an old sign-in had
// run out, to someone running mp login (outside round s26, ADR 0137). It
// says the e-mail address or password is wrong, as the web app's sign-in.
func TestWrongPasswordSaysSo(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.Handle(gatewayv1connect.NewApiTokenServiceHandler(fakeTokens{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	e := Env{In: strings.NewReader("wrong\n"), Out: &bytes.Buffer{}, HTTP: srv.Client(), Getenv: func(k string) string {
		if k == "MP_CONFIG_DIR" {
			return dir
		}
		return ""
	}}
	err := Run(context.Background(), []string{"login", "-server", srv.URL, "-email", "anna@example.org"}, e)
	if err == nil || err.Error() != "Fel e-postadress eller lösenord." {
		t.Errorf("wrong password: %v, want \"Fel e-postadress eller lösenord.\"", err)
	}
}
