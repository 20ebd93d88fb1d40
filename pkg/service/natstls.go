package service

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/motesplats/motesplats/pkg/envvar"
)

// The variables a NATS client reads its TLS from (ADR 0230): the CA that
// signed the server's certificate (compose's ./certs/ca.crt, the Secret
// motesplats-nats-tls' ca.crt, make up's tls/ca.crt), and optionally a
// client certificate and its key. A tls:// NATS_URL without a CA file
// trusts the system's roots. Only file names: nothing secret is logged.
const (
	NATSCAFileEnv   = "NATS_CA_FILE"
	NATSCertFileEnv = "NATS_CERT_FILE"
	NATSKeyFileEnv  = "NATS_KEY_FILE"
)

// natsFileError is a TLS file that did not read or parse, by the
// variable that named it.
type natsFileError struct {
	Var, File string
	Err       error
}

func (e *natsFileError) Error() string { return e.Var + "=" + e.File + ": " + e.Err.Error() }
func (e *natsFileError) Unwrap() error { return e.Err }

// NATSTLSConfig is the TLS a NATS client connects with: caFile's
// certificates as the only roots (the system's when empty), and the
// client certificate certFile with keyFile when both are given. The error
// names the variable and file that failed and why, never a file's
// contents.
func NATSTLSConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		b, err := os.ReadFile(caFile)
		if err != nil {
			return nil, &natsFileError{NATSCAFileEnv, caFile, err}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, &natsFileError{NATSCAFileEnv, caFile, errors.New("no PEM certificate in it")}
		}
		c.RootCAs = pool
	}
	switch {
	case certFile == "" && keyFile != "":
		return nil, &natsFileError{NATSCertFileEnv, "", errors.New("empty while " + NATSKeyFileEnv + " is set")}
	case certFile != "" && keyFile == "":
		return nil, &natsFileError{NATSKeyFileEnv, "", errors.New("empty while " + NATSCertFileEnv + " is set")}
	case certFile != "":
		src := &clientCertFiles{cert: certFile, key: keyFile}
		if _, err := src.load(); err != nil {
			return nil, err
		}
		// Read again at each handshake when the files changed: a
		// certificate renewed while the process runs (make renew-certs,
		// ADR 0276) is presented at its next reconnect, no restart.
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return src.load() }
	}
	return c, nil
}

// clientCertFiles is a client certificate read from its two files, kept
// until either file changes (size or time), then read anew.
type clientCertFiles struct {
	cert, key string

	mu    sync.Mutex
	stamp string
	pair  *tls.Certificate
}

// load returns the pair, read again when the files changed since. A pair
// that no longer reads (a renewal half written) leaves the last good one
// in use; with none, the error names the variable and file.
func (f *clientCertFiles) load() (*tls.Certificate, error) {
	stamp := fileStamp(f.cert) + "|" + fileStamp(f.key)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pair != nil && stamp == f.stamp {
		return f.pair, nil
	}
	pair, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		if f.pair != nil {
			return f.pair, nil
		}
		// tls' message names neither file's contents.
		return nil, &natsFileError{NATSCertFileEnv, f.cert, fmt.Errorf("with %s: %w", NATSKeyFileEnv, err)}
	}
	f.pair, f.stamp = &pair, stamp
	return f.pair, nil
}

func fileStamp(name string) string {
	fi, err := os.Stat(name)
	if err != nil {
		return ""
	}
	return fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
}

// natsClientPair is the certificate c presents at its next handshake
// (the renewing reader's when set: the files as they are now), with its
// leaf parsed; nil when c presents none or it does not parse.
func natsClientPair(c *tls.Config) (*tls.Certificate, *x509.Certificate) {
	var pair *tls.Certificate
	switch {
	case c == nil:
	case c.GetClientCertificate != nil:
		pair, _ = c.GetClientCertificate(&tls.CertificateRequestInfo{})
	case len(c.Certificates) > 0:
		pair = &c.Certificates[0]
	}
	if pair == nil || len(pair.Certificate) == 0 {
		return nil, nil
	}
	leaf := pair.Leaf
	if leaf == nil {
		var err error
		if leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return nil, nil
		}
	}
	return pair, leaf
}

// natsClientNotAfter is when the client certificate c presents at its
// next handshake expires; zero when c presents none.
func natsClientNotAfter(c *tls.Config) time.Time {
	if _, leaf := natsClientPair(c); leaf != nil {
		return leaf.NotAfter
	}
	return time.Time{}
}

// natsTLSFrom reads NATS_CA_FILE, NATS_CERT_FILE and NATS_KEY_FILE: nil
// when none is set (the client follows NATS_URL's scheme: tls:// with the
// system's roots), and a refusal at start naming the variable of a file
// that does not read or parse, where a connection would otherwise fail
// later with "certificate signed by unknown authority".
func natsTLSFrom(e *envvar.Env) *tls.Config {
	ca, cert, key := e.Getenv(NATSCAFileEnv), e.Getenv(NATSCertFileEnv), e.Getenv(NATSKeyFileEnv)
	if ca == "" && cert == "" && key == "" {
		return nil
	}
	c, err := NATSTLSConfig(ca, cert, key)
	var fe *natsFileError
	if errors.As(err, &fe) {
		want := "a PEM client certificate and the PEM file of its key, both or neither"
		if fe.Var == NATSCAFileEnv {
			want = "the PEM file of the CA that signed the NATS server's certificate (compose: /certs/ca.crt; " +
				"Kubernetes: ca.crt of the Secret motesplats-nats-tls; make up: tls/ca.crt beside keys.env)"
		}
		e.Refuse(fe.Var, fe.File, fe.Err.Error(), want)
		return nil
	}
	return c
}
