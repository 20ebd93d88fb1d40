// Package certtest makes the certificates TLS tests need with lives of
// their choosing (a CA near its end, a server certificate of two years
// ago), which the production issuers (service.NewNATSCA, keygen nats-tls,
// make up) fix: a template, a signature, and the PEM files the servers and
// tools read. It imports no package of the project, so that pkg/service's
// own tests can use it too.
package certtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Pair is a certificate and its private key.
type Pair struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// CATemplate is a CA named name, valid from an hour ago for life; set
// NotBefore earlier for a CA that is old as well as near its end.
func CATemplate(name string, life time.Duration) *x509.Certificate {
	now := time.Now()
	return &x509.Certificate{Subject: pkix.Name{CommonName: name}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(life),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
}

// LeafTemplate is a certificate for names (the first is its common name;
// an IP address is one as such), valid from an hour ago for life, for a
// server and a client both, as the NATS nodes' are (their routes are
// both).
func LeafTemplate(life time.Duration, names ...string) *x509.Certificate {
	now := time.Now()
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: names[0]}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(life),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	return tmpl
}

// Sign makes tmpl's certificate with a new P-256 key, signed by parent,
// or by itself when parent is nil (a CA, or a self-signed server). A
// template without a serial number is given a random one.
func Sign(t testing.TB, tmpl *x509.Certificate, parent *Pair) Pair {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber == nil {
		if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62)); err != nil {
			t.Fatal(err)
		}
	}
	issuer, signer := tmpl, key
	if parent != nil {
		issuer, signer = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return Pair{Cert: cert, Key: key}
}

// CertPEM is the certificate as a PEM file holds it.
func (p Pair) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Cert.Raw})
}

// Write writes the certificate to certFile (0644) and its key to keyFile
// (0600, as the production issuers keep keys), both PEM, making their
// folder when it is missing.
func (p Pair) Write(t testing.TB, certFile, keyFile string) {
	t.Helper()
	kb, err := x509.MarshalECPrivateKey(p.Key)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		body []byte
		mode os.FileMode
	}{
		{keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600},
		{certFile, p.CertPEM(), 0o644},
	} {
		if err := os.MkdirAll(filepath.Dir(f.name), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.name, f.body, f.mode); err != nil {
			t.Fatal(err)
		}
	}
}

// Load reads a pair from the PEM files Write (or the production issuers)
// wrote: a CA, to sign another certificate with.
func Load(t testing.TB, certFile, keyFile string) Pair {
	t.Helper()
	block := func(file string) []byte {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			t.Fatalf("%s is not PEM", file)
		}
		return blk.Bytes
	}
	cert, err := x509.ParseCertificate(block(certFile))
	if err != nil {
		t.Fatal(err)
	}
	key, err := x509.ParseECPrivateKey(block(keyFile))
	if err != nil {
		t.Fatal(err)
	}
	return Pair{Cert: cert, Key: key}
}
