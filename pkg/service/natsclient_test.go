package service

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/motesplats/motesplats/pkg/envvar"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/certtest"
)

// TestConnectNATS_ClientCertificate (ADR 0276): against a server that
// verifies client certificates of its CA (make up's verify: true), a
// process with NATS_CERT_FILE and NATS_KEY_FILE of that CA signs in, one
// without is refused; its own certificate of 10 days is warned of
// (cert=client) and measured; the files renewed while it runs are what
// the gauge reads and what its next handshake presents (a reconnect, no
// restart). Not parallel: ConnectNATS logs to slog's default and
// measures to otel's provider.
func TestConnectNATS_ClientCertificate(t *testing.T) {
	prevLog, prevMP := slog.Default(), otel.GetMeterProvider()
	t.Cleanup(func() { slog.SetDefault(prevLog); otel.SetMeterProvider(prevMP) })
	caPair := certtest.Sign(t, certtest.CATemplate("verifying CA", 365*day), nil)
	ca := NATSCA{Cert: caPair.Cert, Key: caPair.Key}
	dir := t.TempDir()
	caFile, certFile, keyFile := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "c.crt"), filepath.Join(dir, "c.key")
	if err := os.WriteFile(caFile, caPair.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	leaf := certtest.Sign(t, certtest.LeafTemplate(365*day, "localhost", "127.0.0.1"), &caPair)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true, TLS: true, TLSVerify: true,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Cert.Raw}, PrivateKey: leaf.Key}},
			ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(s.Shutdown)

	// Without a client certificate: refused in the handshake.
	caOnly, err := NATSTLSConfig(caFile, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if nc, err := ConnectNATS(s.ClientURL(), "dinners", NATSAuth{TLS: caOnly}); err == nil {
		nc.Close()
		t.Error("a client without a certificate signed in to a server verifying them")
	} else if !strings.Contains(err.Error(), NATSCertFileEnv) {
		t.Errorf("the refusal does not say to set %s: %v", NATSCertFileEnv, err)
	}

	// A client certificate of 10 days (crypto/x509: IssueClient's life is fixed).
	tmpl := certtest.LeafTemplate(10*day, "dinners")
	tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	certtest.Sign(t, tmpl, &caPair).Write(t, certFile, keyFile)
	logs := &testutil.LogBuffer{}
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
	reader := sdkmetric.NewManualReader()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	e := envvar.New(func(k string) string {
		return map[string]string{NATSCAFileEnv: caFile, NATSCertFileEnv: certFile, NATSKeyFileEnv: keyFile}[k]
	})
	a := NATSAuthFrom(e)
	if err := e.Err(); err != nil {
		t.Fatal(err)
	}
	nc, err := ConnectNATS(s.ClientURL(), "dinners", a)
	if err != nil {
		t.Fatalf("with a client certificate of the CA: %v", err)
	}
	defer nc.Close()
	if l := logs.String(); !strings.Contains(l, "cert=client") || !strings.Contains(l, "NATS_CERT_FILE") || !strings.Contains(l, "days_left=9") {
		t.Errorf("no warning of the client's own certificate of 10 days:\n%s", l)
	}
	if v := expiryGauge(t, reader)["client"]; v > (10*day).Seconds() || v < (9*day).Seconds() {
		t.Errorf("nats.tls.expiry{cert=client} = %.0f s, want 9-10 days", v)
	}
	presented := func() string {
		t.Helper()
		cz, err := s.Connz(&server.ConnzOptions{Username: true})
		if err != nil || len(cz.Conns) != 1 || len(cz.Conns[0].TLSPeerCerts) == 0 {
			t.Fatalf("connz: %v %+v", err, cz)
		}
		return cz.Conns[0].TLSPeerCerts[0].CertSha256
	}
	first := presented()

	// Renewed on disk while the process runs (make renew-certs).
	renewedPEM, renewedKey, err := ca.IssueClient("dinners")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, renewedKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, renewedPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(renewedPEM, renewedKey)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pair.Certificate[0])
	if v := expiryGauge(t, reader)["client"]; v < (natsServerValidity - day).Seconds() {
		t.Errorf("after the renewal nats.tls.expiry{cert=client} = %.0f s, want about two years", v)
	}
	if err := nc.ForceReconnect(); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if err := nc.Flush(); err != nil {
			return err
		}
		if got := presented(); got == first || got != hex.EncodeToString(sum[:]) {
			return fmt.Errorf("the server is shown %s after the reconnect, want the renewed %x (first %s)", got, sum, first)
		}
		return nil
	})
}
