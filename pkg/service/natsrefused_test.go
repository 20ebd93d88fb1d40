package service

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/certtest"
)

// serverLog is nats-server's log, kept: what an operator reads on the
// node's side.
type serverLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *serverLog) add(f string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(f, a...))
}

func (l *serverLog) Noticef(f string, a ...any) { l.add("[INF] "+f, a...) }
func (l *serverLog) Warnf(f string, a ...any)   { l.add("[WRN] "+f, a...) }
func (l *serverLog) Fatalf(f string, a ...any)  { l.add("[FTL] "+f, a...) }
func (l *serverLog) Errorf(f string, a ...any)  { l.add("[ERR] "+f, a...) }
func (l *serverLog) Debugf(f string, a ...any)  { l.add("[DBG] "+f, a...) }
func (l *serverLog) Tracef(string, ...any)      {}

// since returns the lines logged after the first n, and their count.
func (l *serverLog) since(n int) (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines[n:], "\n"), len(l.lines)
}

// TestConnectNATS_RefusedClientCertificates tries make up's verifying
// NATS (ADR 0276) from outside (outside50, ADR 0281) with the client
// certificates an operator may end up with: none, one expired, one of
// another CA, a user whose permissions lack a subject, and one that
// expires while the process runs and is then renewed on disk (make
// renew-certs). Each refusal must say why and which variable to set, in
// the process's own error or log: nats.go alone says "connection closed
// by remote" or "remote error: tls: bad certificate", and nothing at all
// for a refused reconnect or a refused publish. The node's log lines are
// shown (t.Log) for the report. Not parallel: ConnectNATS logs to slog's
// default.
func TestConnectNATS_RefusedClientCertificates(t *testing.T) {
	prevLog := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prevLog) })
	logs := &testutil.LogBuffer{}
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))

	caPair := certtest.Sign(t, certtest.CATemplate("make up CA", 365*day), nil)
	otherCA := certtest.Sign(t, certtest.CATemplate("another CA", 365*day), nil)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, caPair.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	leaf := certtest.Sign(t, certtest.LeafTemplate(365*day, "localhost", "127.0.0.1"), &caPair)
	pool := x509.NewCertPool()
	pool.AddCert(caPair.Cert)
	users := []*server.User{
		{Username: "dinners", Password: "pw-dinners"},
		{Username: "notify", Password: "pw-notify", Permissions: &server.Permissions{
			Publish: &server.SubjectPermission{Allow: []string{"notify.>"}}}},
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, TLS: true, TLSVerify: true, Users: users,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Cert.Raw}, PrivateKey: leaf.Key}},
			ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	nodeLog := &serverLog{}
	s.SetLoggerV2(nodeLog, false, false, false)
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(s.Shutdown)

	clientCert := func(name string, tmpl *x509.Certificate, parent *certtest.Pair) (string, string) {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		cert, key := filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		certtest.Sign(t, tmpl, parent).Write(t, cert, key)
		return cert, key
	}
	auth := func(user, cert, key string) NATSAuth {
		c, err := NATSTLSConfig(caFile, cert, key)
		if err != nil {
			t.Fatal(err)
		}
		return NATSAuth{User: user, Password: "pw-" + user, TLS: c}
	}
	expired := certtest.LeafTemplate(day, "dinners")
	expired.NotBefore, expired.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-time.Hour)
	expCert, expKey := clientCert("expired", expired, &caPair)
	otherCert, otherKey := clientCert("other", certtest.LeafTemplate(365*day, "dinners"), &otherCA)

	for _, c := range []struct {
		name string
		a    NATSAuth
		want []string // in the error
	}{
		{"no certificate", auth("dinners", "", ""), []string{NATSCertFileEnv, NATSKeyFileEnv}},
		{"an expired certificate", auth("dinners", expCert, expKey), []string{NATSCertFileEnv, "expired", "make renew-certs"}},
		{"a certificate of another CA", auth("dinners", otherCert, otherKey), []string{NATSCertFileEnv, "not signed by", NATSCAFileEnv}},
	} {
		_, n := nodeLog.since(0)
		nc, err := ConnectNATS(s.ClientURL(), "dinners", c.a, nats.NoReconnect())
		node, _ := nodeLog.since(n)
		t.Logf("%s: the process is told: %v\n\tthe node logs: %s", c.name, err, node)
		if err == nil {
			nc.Close()
			t.Errorf("%s: signed in to a node verifying client certificates", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: the refusal does not say %q: %v", c.name, w, err)
			}
		}
	}

	// A user whose permissions lack the subject: signed in (its
	// certificate and password are right), its publish refused by the
	// node; nats.go reports that only to an error handler.
	cert, key := clientCert("notify", certtest.LeafTemplate(365*day, "notify"), &caPair)
	nc, err := ConnectNATS(s.ClientURL(), "notify", auth("notify", cert, key))
	if err != nil {
		t.Fatalf("notify with its certificate: %v", err)
	}
	if err := nc.Publish("dinners.seating.x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if l := logs.String(); !strings.Contains(l, "permissions violation") || !strings.Contains(l, "client=notify") {
			return fmt.Errorf("the process logs nothing of its refused publish:\n%s", l)
		}
		return nil
	})
	nc.Close()
	// make up's nodes verify the certificate but take the user from the
	// password (ADR 0276: no verify_and_map): notify's certificate with
	// dinners' password signs in as dinners. Said for the report.
	a := auth("notify", cert, key)
	a.User, a.Password = "dinners", "pw-dinners"
	if nc, err := ConnectNATS(s.ClientURL(), "dinners", a, nats.NoReconnect()); err == nil {
		t.Logf("notify's client certificate with dinners' password signs in as dinners (the certificate does not name the user)")
		nc.Close()
	}

	// A certificate that expires while the process runs: its next
	// reconnect is refused, and the process says so (not only nats.go's
	// silent retries); renewed on disk, the next try signs in.
	soon := certtest.LeafTemplate(day, "dinners")
	soon.NotAfter = time.Now().Add(3 * time.Second)
	soonCert, soonKey := clientCert("soon", soon, &caPair)
	nc, err = ConnectNATS(s.ClientURL(), "dinners", auth("dinners", soonCert, soonKey), nats.ReconnectWait(200*time.Millisecond), nats.MaxReconnects(-1))
	if err != nil {
		t.Fatalf("with a certificate of 3 s: %v", err)
	}
	defer nc.Close()
	time.Sleep(time.Until(soon.NotAfter) + 500*time.Millisecond)
	from := len(logs.String())
	_, n := nodeLog.since(0)
	if err := nc.ForceReconnect(); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		if l := logs.String()[from:]; !strings.Contains(l, "expired") || !strings.Contains(l, NATSCertFileEnv) {
			return fmt.Errorf("after the certificate expired the refused reconnects logged:\n%s", l)
		}
		return nil
	})
	node, _ := nodeLog.since(n)
	t.Logf("expired while up: the process logs: %s\n\tthe node logs: %s", logs.String()[from:], node)
	renewed := certtest.Sign(t, func() *x509.Certificate {
		c := certtest.LeafTemplate(365*day, "dinners")
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		return c
	}(), &caPair)
	renewed.Write(t, soonCert, soonKey)
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		if !nc.IsConnected() {
			return fmt.Errorf("not connected after the renewal on disk (%v)", nc.Status())
		}
		return nil
	})
}
