package service

import (
	"context"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/envvar"
	"github.com/motesplats/motesplats/pkg/natsembed"
)

// A NATS that requires a user refuses a client without one or with the
// wrong password, and the refusal names the variables to set, in words;
// the right user and password connect.
func TestConnectNATS_RefusalNamesTheVariables(t *testing.T) {
	t.Parallel()
	s, err := natsembed.Start(natsembed.Options{StoreDir: t.TempDir(), Port: -1, User: "motesplats", Password: "right"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	for _, tt := range []struct {
		name string
		auth NATSAuth
		want []string
	}{
		{"no user", NATSAuth{}, []string{"requires a user and password", "set NATS_USER and NATS_PASSWORD"}},
		{"wrong password", NATSAuth{User: "motesplats", Password: "wrong"}, []string{`refused user "motesplats"`, "set NATS_PASSWORD"}},
		{"unknown user", NATSAuth{User: "someone", Password: "right"}, []string{`refused user "someone"`, "NATS_USER"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			nc, err := ConnectNATS(s.ClientURL(), "test", tt.auth)
			if err == nil {
				nc.Close()
				t.Fatal("connected")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), tt.auth.Password) && tt.auth.Password != "" {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
	nc, err := ConnectNATS(s.ClientURL(), "test", NATSAuth{User: "motesplats", Password: "right"})
	if err != nil {
		t.Fatalf("the right user: %v", err)
	}
	nc.Close()
}

// A service started against a NATS that requires a user, without one,
// stops before it runs with the error Main prints: the two variables to
// set, in words.
func TestMain_StopsWithoutTheNATSUser(t *testing.T) {
	t.Parallel()
	s, err := natsembed.Start(natsembed.Options{StoreDir: t.TempDir(), Port: -1, User: "motesplats", Password: "right"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	cfg := Config{Name: "participants", Addr: "127.0.0.1:0", NATSURL: s.ClientURL(), MetricsAddr: "off"}
	err = mainErr(context.Background(), cfg, func(context.Context, string, Deps) error {
		t.Error("the service ran without signing in to NATS")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "set NATS_USER and NATS_PASSWORD") {
		t.Errorf("mainErr = %v, want the variables to set", err)
	}
}

// NATS_USER without NATS_PASSWORD (or the other way round) is refused at
// start, naming the missing one and never echoing the password.
func TestNATSAuthFrom_OneWithoutTheOther(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"NATS_USER": "motesplats"}, "NATS_PASSWORD: empty while NATS_USER is set"},
		{map[string]string{"NATS_PASSWORD": "hunter2"}, `NATS_USER="": empty while NATS_PASSWORD is set`},
		{map[string]string{"NATS_USER": "motesplats", "NATS_PASSWORD": "hunter2"}, ""},
		{map[string]string{}, ""},
	} {
		e := envvar.New(func(k string) string { return tt.env[k] })
		a := NATSAuthFrom(e)
		err := e.Err()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%v: refused: %v", tt.env, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%v: err = %v, want %q", tt.env, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("%v: the refusal shows the password: %v", tt.env, err)
		case err == nil && (a.User != tt.env["NATS_USER"] || a.Password != tt.env["NATS_PASSWORD"]):
			t.Errorf("%v: read %+v", tt.env, a)
		}
	}
}
