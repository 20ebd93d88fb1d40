package service

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"time"
)

// NATSCA is the private CA that signs a deployment's NATS server
// certificates (ADR 0230): make up's (tls/ beside keys.env) and
// `stack keygen nats-tls`'s (compose's ./certs, Kubernetes' Secret
// motesplats-nats-tls). Every client trusts it through NATS_CA_FILE.
type NATSCA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	// CertPEM is what NATS_CA_FILE names; KeyPEM is kept 0600 beside it
	// and only ever read to issue another node's certificate.
	CertPEM, KeyPEM []byte
}

// How long the certificates hold: the CA ten years, a server's two (a
// renewal is one make up, or one keygen and a rolling restart; ADR 0230).
const (
	natsCAValidity     = 10 * 365 * 24 * time.Hour
	natsServerValidity = 2 * 365 * 24 * time.Hour
)

// NewNATSCA makes a CA: ECDSA P-256, named name.
func NewNATSCA(name string) (NATSCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return NATSCA{}, err
	}
	serial, err := newSerial()
	if err != nil {
		return NATSCA{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name, Organization: []string{"Mötesplats"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(natsCAValidity),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true, MaxPathLenZero: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return NATSCA{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return NATSCA{}, err
	}
	kp, err := encodeKey(key)
	if err != nil {
		return NATSCA{}, err
	}
	return NATSCA{Cert: cert, Key: key, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), KeyPEM: kp}, nil
}

// ParseNATSCA reads a CA NewNATSCA made, from its two PEM files.
func ParseNATSCA(certPEM, keyPEM []byte) (NATSCA, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return NATSCA{}, errors.New("the CA's certificate or key is not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return NATSCA{}, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return NATSCA{}, err
	}
	if !cert.IsCA || !key.PublicKey.Equal(cert.PublicKey) {
		return NATSCA{}, errors.New("the CA's key is not its certificate's, or the certificate is no CA")
	}
	return NATSCA{Cert: cert, Key: key, CertPEM: certPEM, KeyPEM: keyPEM}, nil
}

// Issue makes a NATS server's certificate and key (PEM), for names (host
// names, wildcards such as "*.nats", or IP addresses), the first its
// common name. It serves clients and also opens the node's routes, so it
// is valid for both server and client authentication.
func (ca NATSCA) Issue(names ...string) (certPEM, keyPEM []byte, err error) {
	if len(names) == 0 {
		return nil, nil, errors.New("a NATS server certificate needs a name")
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: names[0], Organization: []string{"Mötesplats"}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	return ca.issue(tmpl)
}

// IssueClient makes a NATS client's certificate and key (PEM) for the
// NATS user user, its common name (ADR 0276): valid for client
// authentication only, so it can neither serve clients as a node nor
// verify as the server end of a route; a node's route still needs the
// route user's password as well. It lasts as a server's does.
func (ca NATSCA) IssueClient(user string) (certPEM, keyPEM []byte, err error) {
	if user == "" {
		return nil, nil, errors.New("a NATS client certificate needs its user's name")
	}
	return ca.issue(&x509.Certificate{
		Subject:  pkix.Name{CommonName: user, Organization: []string{"Mötesplats"}},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
}

// issue signs tmpl (its names and uses) with a new key and serial, valid
// from an hour ago (a clock a little behind still takes it) for as long
// as a server's certificate is.
func (ca NATSCA) issue(tmpl *x509.Certificate) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	if tmpl.SerialNumber, err = newSerial(); err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(natsServerValidity)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, nil, err
	}
	kp, err := encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), kp, nil
}

func encodeKey(key *ecdsa.PrivateKey) ([]byte, error) {
	b, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b}), nil
}

func newSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}
