package layout

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil/certtest"
)

const day = 24 * time.Hour

// signShort writes into dir a certificate of ca for node i's names that
// ends in life, as a node certificate of make up issued two years ago
// would be now.
func signShort(t *testing.T, ca service.NATSCA, dir string, i int, names []string, life time.Duration) {
	t.Helper()
	c, k := natsNodeFiles(dir, i)
	certtest.Sign(t, certtest.LeafTemplate(life, names...), &certtest.Pair{Cert: ca.Cert, Key: ca.Key}).Write(t, c, k)
}

// shortCA writes into dir a CA that ends in life (and began long ago).
func shortCA(t *testing.T, dir string, life time.Duration) {
	t.Helper()
	tmpl := certtest.CATemplate("old CA", life)
	tmpl.NotBefore = time.Now().Add(-9 * 365 * day)
	certtest.Sign(t, tmpl, nil).Write(t, NATSCAFile(dir), filepath.Join(dir, natsCAKeyFile))
}

// notAfter is when the certificate file ends.
func notAfter(t *testing.T, file string) time.Time {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c.NotAfter
}

// TestEnsureNATSCerts_RenewsBeforeExpiry (ADR 0241): make up's next start
// issues again, by the same CA, a node's certificate that ends in 10
// days, and keeps one that ends in 40 and the CA; a CA ending in 200 days
// is kept too, with a warning naming the day and the command that makes
// a new one, and a fresh CA gets none; an expired CA is an error saying
// that command, not a new CA.
func TestEnsureNATSCerts_RenewsBeforeExpiry(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := Options{NATSNodes: 3, NATSTLS: dir}
	if err := EnsureNATSCerts(o); err != nil {
		t.Fatal(err)
	}
	if w := NATSCAWarning(dir); w != "" {
		t.Errorf("a fresh CA is warned of: %s", w)
	}
	caBefore, err := os.ReadFile(NATSCAFile(dir))
	if err != nil {
		t.Fatal(err)
	}
	key, err := os.ReadFile(filepath.Join(dir, natsCAKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := service.ParseNATSCA(caBefore, key)
	if err != nil {
		t.Fatal(err)
	}
	signShort(t, ca, dir, 1, natsNodeNames(o, 1), 10*day)
	signShort(t, ca, dir, 2, natsNodeNames(o, 2), 40*day)
	n2, _ := os.ReadFile(filepath.Join(dir, "n2.crt"))
	if err := EnsureNATSCerts(o); err != nil {
		t.Fatal(err)
	}
	c1, k1 := natsNodeFiles(dir, 1)
	if left := time.Until(notAfter(t, c1)); left < 700*day || !nodeCertOK(ca, c1, k1, natsNodeNames(o, 1)) {
		t.Errorf("node 1's certificate ending in 10 days: %v left after the start, want two years by the same CA", left.Round(day))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "n2.crt")); !bytes.Equal(b, n2) {
		t.Error("node 2's certificate, 40 days left, was issued again")
	}
	if b, _ := os.ReadFile(NATSCAFile(dir)); !bytes.Equal(b, caBefore) {
		t.Error("the CA changed")
	}

	old := t.TempDir()
	shortCA(t, old, 200*day)
	caOld, _ := os.ReadFile(NATSCAFile(old))
	if err := EnsureNATSCerts(Options{NATSNodes: 1, NATSTLS: old}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(NATSCAFile(old)); !bytes.Equal(b, caOld) {
		t.Error("a CA with 200 days left was replaced")
	}
	w := NATSCAWarning(old)
	for _, want := range []string{"expires on " + time.Now().Add(200*day).UTC().Format(time.DateOnly), "in 199 days", "rm -r " + old, "make up", "runbook"} {
		if !strings.Contains(w, want) {
			t.Errorf("the warning of a CA with 200 days left has no %q: %q", want, w)
		}
	}

	expired := t.TempDir()
	shortCA(t, expired, -day)
	err = EnsureNATSCerts(Options{NATSNodes: 1, NATSTLS: expired})
	if err == nil || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "rm -r "+expired) {
		t.Errorf("an expired CA: %v, want an error with the command making a new one", err)
	}
	if _, err := os.Stat(filepath.Join(expired, "n1.crt")); err == nil {
		t.Error("a node certificate was issued by an expired CA")
	}
}
