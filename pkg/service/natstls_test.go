package service

import (
	"context"
	"crypto/tls"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/envvar"
)

// tlsNATS starts a JetStream server that requires TLS (a certificate of
// a new CA for 127.0.0.1) and a user, and returns its URL and the CA's
// file.
func tlsNATS(t *testing.T) (url, caFile string) {
	t.Helper()
	ca, err := NewNATSCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	caFile = filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, ca.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true, Username: "dinners", Password: "right",
		TLS: true, TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(s.Shutdown)
	return s.ClientURL(), caFile
}

// With NATS_CA_FILE a client signs in to a NATS that requires TLS and
// does JetStream; without it the connection is refused, in words naming
// NATS_CA_FILE; with another CA's file the certificate does not verify,
// also said in words.
func TestConnectNATS_TLSFromTheEnvironment(t *testing.T) {
	t.Parallel()
	url, caFile := tlsNATS(t)
	env := func(m map[string]string) NATSAuth {
		e := envvar.New(func(k string) string { return m[k] })
		a := NATSAuthFrom(e)
		if err := e.Err(); err != nil {
			t.Fatal(err)
		}
		return a
	}
	a := env(map[string]string{"NATS_USER": "dinners", "NATS_PASSWORD": "right", "NATS_CA_FILE": caFile})
	nc, err := ConnectNATS(url, "test", a)
	if err != nil {
		t.Fatalf("with the CA: %v", err)
	}
	defer nc.Close()
	if !nc.TLSRequired() {
		t.Error("the server does not require TLS")
	}
	if _, err := nc.TLSConnectionState(); err != nil {
		t.Errorf("not a TLS connection: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatalf("JetStream over TLS: %v", err)
	}
	if _, err := js.Publish(ctx, "t.1", []byte("x")); err != nil {
		t.Fatalf("publish over TLS: %v", err)
	}

	plain, err := ConnectNATS(url, "test", env(map[string]string{"NATS_USER": "dinners", "NATS_PASSWORD": "right"}))
	if err == nil {
		plain.Close()
		t.Error("a client without TLS connected")
	} else if !strings.Contains(err.Error(), "requires TLS: set NATS_CA_FILE") {
		t.Errorf("without TLS: %v, want the variable to set", err)
	}

	_, otherCA := tlsNATS(t)
	other, err := ConnectNATS(url, "test", env(map[string]string{"NATS_USER": "dinners", "NATS_PASSWORD": "right", "NATS_CA_FILE": otherCA}))
	if err == nil {
		other.Close()
		t.Error("a client trusting another CA connected")
	} else if !strings.Contains(err.Error(), "does not verify with NATS_CA_FILE") {
		t.Errorf("another CA: %v, want NATS_CA_FILE named", err)
	}
}

// A CA file that does not read or parse, or a client certificate without
// its key, is refused at start, naming the variable and never a file's
// contents; none of them set is no TLS (NATS_URL's scheme decides).
func TestNATSAuthFrom_TLSFilesRefusedAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.crt")
	if err := os.WriteFile(garbage, []byte("secret-looking-bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"NATS_CA_FILE": filepath.Join(dir, "missing.crt")}, "NATS_CA_FILE=" + `"` + filepath.Join(dir, "missing.crt")},
		{map[string]string{"NATS_CA_FILE": garbage}, "NATS_CA_FILE=" + `"` + garbage + `": no PEM certificate`},
		{map[string]string{"NATS_CERT_FILE": garbage}, "NATS_KEY_FILE" + `="": empty while NATS_CERT_FILE is set`},
		{map[string]string{"NATS_CERT_FILE": garbage, "NATS_KEY_FILE": garbage}, "NATS_CERT_FILE=" + `"` + garbage},
	} {
		e := envvar.New(func(k string) string { return tt.env[k] })
		a := NATSAuthFrom(e)
		err := e.Err()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: err = %v, want %q", tt.env, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret-looking-bytes") {
			t.Errorf("%v: the refusal shows the file's contents: %v", tt.env, err)
		}
		if a.TLS != nil {
			t.Errorf("%v: TLS set from a refused file", tt.env)
		}
	}
	e := envvar.New(func(string) string { return "" })
	if a := NATSAuthFrom(e); a.TLS != nil || e.Err() != nil {
		t.Errorf("nothing set: TLS %v, err %v", a.TLS, e.Err())
	}
}
