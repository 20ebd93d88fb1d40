package layout

import (
	"crypto/x509"
	"os"
	"testing"

	"github.com/motesplats/motesplats/pkg/service"
)

// TestEnsureNATSCerts_ClientCertificates (ADR 0276): a client certificate
// for every NATS user, of the layout's CA, named for its user, for client
// authentication only (it cannot serve as a node), its key 0600; kept by
// the next start.
func TestEnsureNATSCerts_ClientCertificates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := EnsureNATSCerts(Options{NATSNodes: 1, NATSTLS: dir}); err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(NATSCAFile(dir))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	before := map[string][]byte{}
	for _, u := range service.NATSServiceUsers() {
		certFile, keyFile := NATSClientFiles(dir, u)
		c, err := readCert(certFile)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if c.Subject.CommonName != u {
			t.Errorf("%s's certificate is named %q", u, c.Subject.CommonName)
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: does not verify as a client of the CA: %v", u, err)
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err == nil {
			t.Errorf("%s: a client's certificate verifies as a server's", u)
		}
		if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s's key: %v %v, want 0600", u, fi.Mode(), err)
		}
		before[u], _ = os.ReadFile(certFile)
	}
	if err := EnsureNATSCerts(Options{NATSNodes: 1, NATSTLS: dir}); err != nil {
		t.Fatal(err)
	}
	for u, b := range before {
		certFile, _ := NATSClientFiles(dir, u)
		if now, _ := os.ReadFile(certFile); string(now) != string(b) {
			t.Errorf("%s's certificate was issued again by a start with nothing due", u)
		}
	}
}
