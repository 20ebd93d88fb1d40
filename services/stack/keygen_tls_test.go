package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestKeygenNATSTLS: keygen nats-tls writes a CA and a server
// certificate whose keys are 0600 and which verifies, for clients and
// routes, under every name compose and Kubernetes reach NATS by; a second
// run keeps the CA and renews the certificate (what the clients trust does
// not change); a CA without its key is refused, not replaced.
func TestKeygenNATSTLS(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "certs")
	var out bytes.Buffer
	if err := keygen([]string{"nats-tls", "-dir", dir}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "motesplats-nats-tls") {
		t.Errorf("keygen nats-tls does not say how to make the Secret: %s", out.String())
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, k := range []string{"ca.key", "tls.key"} {
		if fi, err := os.Stat(filepath.Join(dir, k)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want mode 0600", k, fi.Mode().Perm(), err)
		}
	}
	verify := func() *x509.Certificate {
		pair, err := tls.X509KeyPair(read("tls.crt"), read("tls.key"))
		if err != nil {
			t.Fatal(err)
		}
		cert, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(read("ca.crt")) {
			t.Fatal("ca.crt holds no certificate")
		}
		for _, name := range []string{"nats", "localhost", "127.0.0.1", "nats.motesplats.svc", "nats-2.nats-cluster",
			"nats-0.nats-cluster.motesplats.svc.cluster.local"} {
			for _, use := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
				if _, err := cert.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, KeyUsages: []x509.ExtKeyUsage{use}}); err != nil {
					t.Errorf("the certificate for %s (usage %v): %v", name, use, err)
				}
			}
		}
		return cert
	}
	first, ca := verify(), read("ca.crt")
	if err := keygen([]string{"nats-tls", "-dir", dir}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	if second := verify(); !bytes.Equal(read("ca.crt"), ca) || second.SerialNumber.Cmp(first.SerialNumber) == 0 {
		t.Error("the second run did not keep the CA and renew the certificate")
	}
	if err := os.Remove(filepath.Join(dir, "ca.key")); err != nil {
		t.Fatal(err)
	}
	if err := keygen([]string{"nats-tls", "-dir", dir}, func(string) string { return "" }, &out); err == nil || !bytes.Equal(read("ca.crt"), ca) {
		t.Errorf("a CA without its key: %v, want a refusal and the CA kept", err)
	}
}
