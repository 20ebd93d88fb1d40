package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
)

// revokingTokens is the gateway's token API for mp logout: it ends the
// token "live" and answers any other as the gateway answers a token it no
// longer takes (revoked, expired, its account disabled or erased).
type revokingTokens struct {
	gatewayv1connect.UnimplementedApiTokenServiceHandler
}

func (revokingTokens) DeleteApiToken(_ context.Context, r *connect.Request[gatewayv1.DeleteApiTokenRequest]) (*connect.Response[gatewayv1.DeleteApiTokenResponse], error) {
	if r.Header().Get("Authorization") != "Bearer live" || r.Msg.GetId() != "current" {
		return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("the API token is not valid: run mp login"))
	}
	return connect.NewResponse(&gatewayv1.DeleteApiTokenResponse{}), nil
}

// TestLogoutSaysSoAndForgetsAnEndedToken: `mp logout` printed nothing when
// it worked, and a second one, or one after the account was disabled or
// the token revoked on the web, failed with "inloggningen gäller inte
// längre: kör mp login" (exit 1), telling a user who wanted out to sign in,
// and kept the dead token in config.json (found from outside, ADR 0227).
// Now it says it signed out, and a token the gateway no longer takes is
// forgotten with a line saying it had already ended. A gateway that
// answers nothing still fails and keeps the token: it may still be valid.
func TestLogoutSaysSoAndForgetsAnEndedToken(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.Handle(gatewayv1connect.NewApiTokenServiceHandler(revokingTokens{}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := "http://" + lis.Addr().String()
	lis.Close()

	for _, c := range []struct {
		name, lang, server, token string
		wantErr                   bool
		want, notWant             string
		wantToken                 string
	}{
		{"a live token", "sv", srv.URL, "live", false, "utloggad", "kör mp login", ""},
		{"a live token, in English", "en", srv.URL, "live", false, "signed out", "mp login", ""},
		{"a token revoked on the web", "sv", srv.URL, "revoked", false, "gällde redan inte", "kör mp login", ""},
		{"a second logout", "sv", srv.URL, "", false, "inte inloggad", "kör mp login", ""},
		{"a second logout, in English", "en", srv.URL, "", false, "not signed in", "mp login", ""},
		{"no gateway answers", "sv", nobody, "live", true, "", "utloggad", "live"},
	} {
		dir := t.TempDir()
		saved, err := json.Marshal(config{Server: c.server, Token: c.token, Locale: c.lang})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "config.json"), saved, 0o600); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		e := Env{Out: &out, HTTP: srv.Client(), Getenv: func(k string) string {
			if k == "MP_CONFIG_DIR" {
				return dir
			}
			return ""
		}}
		err = Run(context.Background(), []string{"logout"}, e)
		said := out.String()
		if err != nil {
			said += err.Error()
		}
		if (err != nil) != c.wantErr {
			t.Errorf("%s: mp logout: %v (printed %q), want an error %v", c.name, err, out.String(), c.wantErr)
		}
		if !strings.Contains(said, c.want) {
			t.Errorf("%s: mp logout said %q, want %q", c.name, said, c.want)
		}
		if c.notWant != "" && strings.Contains(said, c.notWant) {
			t.Errorf("%s: mp logout said %q, which holds %q", c.name, said, c.notWant)
		}
		b, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Fatal(err)
		}
		var kept config
		if err := json.Unmarshal(b, &kept); err != nil {
			t.Fatal(err)
		}
		if kept.Token != c.wantToken {
			t.Errorf("%s: config.json keeps token %q, want %q", c.name, kept.Token, c.wantToken)
		}
	}
}
