package layout

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/service"
)

// The files of a layout's NATS TLS directory (Options.NATSTLS, ADR
// 0230): the private CA's certificate, which every process trusts
// (NATS_CA_FILE), and its key, kept only to issue a node's certificate;
// each node's certificate and key, n<i>.crt and n<i>.key. Keys are 0600.
const (
	natsCAFile    = "ca.crt"
	natsCAKeyFile = "ca.key"
)

// NATSCAFile is the CA certificate of the TLS directory dir.
func NATSCAFile(dir string) string { return filepath.Join(dir, natsCAFile) }

// natsNodeFiles are node i's certificate and key in dir.
func natsNodeFiles(dir string, i int) (cert, key string) {
	return filepath.Join(dir, fmt.Sprintf("n%d.crt", i)), filepath.Join(dir, fmt.Sprintf("n%d.key", i))
}

// NATSClientFiles are the client certificate and key of the NATS user
// user in dir (ADR 0276): every process of that user presents them
// (NATS_CERT_FILE, NATS_KEY_FILE), the tools and the operators the tools'
// user's ("stack"), which keys.env names.
func NATSClientFiles(dir, user string) (cert, key string) {
	return filepath.Join(dir, "client-"+user+".crt"), filepath.Join(dir, "client-"+user+".key")
}

// natsClientUsers are the users a client certificate is issued for: each
// service's, the gateway's and the tools'.
func natsClientUsers() []string { return service.NATSServiceUsers() }

// natsNodeNames are the names node i's certificate holds: the node's
// name, localhost and 127.0.0.1 (clients and routes on loopback), and
// its namespace's address when the nodes run in network namespaces.
func natsNodeNames(o Options, i int) []string {
	names := []string{fmt.Sprintf("n%d", i), "localhost", "127.0.0.1"}
	if o.Netns != nil {
		names = append(names, o.Netns.NodeIP(i))
	}
	return names
}

// How long before their end the certificates are dealt with (ADR 0241):
// a node's certificate expiring within NATSNodeRenewBefore is issued
// again by the same CA at the next start; a CA within NATSCAWarnBefore
// of its end is warned of (NATSCAWarning), never replaced by itself.
const (
	NATSNodeRenewBefore = 30 * 24 * time.Hour
	NATSCAWarnBefore    = 365 * 24 * time.Hour
)

// EnsureNATSCerts makes the layout's CA and a certificate for each NATS
// node in o.NATSTLS, or keeps those already there (make up reuses them,
// as it does keys.env: the processes of the last start trust the same
// CA). A node's certificate is made anew when it is missing, does not
// verify with the CA, lacks one of the names the node needs now (the
// nodes moved into namespaces), or expires within NATSNodeRenewBefore
// (ADR 0241): make up starts every node anew, so each start renews what
// is due. A CA that has expired is an error saying how to make a new
// one: a new CA is never made by itself. Deleting the directory rotates
// all.
func EnsureNATSCerts(o Options) error {
	dir := o.NATSTLS
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	ca, err := loadOrMakeCA(dir)
	if err != nil {
		return err
	}
	if !time.Now().Before(ca.Cert.NotAfter) {
		return fmt.Errorf("%s: the NATS CA expired on %s and no process trusts a certificate of it: %s",
			NATSCAFile(dir), ca.Cert.NotAfter.UTC().Format(time.DateOnly), newCACommand(dir))
	}
	for i := 1; i <= o.NATSNodes; i++ {
		certFile, keyFile := natsNodeFiles(dir, i)
		names := natsNodeNames(o, i)
		if certOK(ca, certFile, keyFile, x509.ExtKeyUsageServerAuth, names) {
			continue
		}
		c, k, err := ca.Issue(names...)
		if err != nil {
			return err
		}
		if err := writePair(certFile, keyFile, c, k); err != nil {
			return err
		}
	}
	// Each user's client certificate (ADR 0276), by the same rule.
	for _, u := range natsClientUsers() {
		certFile, keyFile := NATSClientFiles(dir, u)
		if certOK(ca, certFile, keyFile, x509.ExtKeyUsageClientAuth, nil) {
			continue
		}
		c, k, err := ca.IssueClient(u)
		if err != nil {
			return err
		}
		if err := writePair(certFile, keyFile, c, k); err != nil {
			return err
		}
	}
	return nil
}

// writePair replaces a certificate and its key, each by a new file
// renamed over the old (a node or process reading them meanwhile reads
// the old file or the new one, never half of one): the key first, 0600.
func writePair(certFile, keyFile string, certPEM, keyPEM []byte) error {
	for _, f := range []struct {
		name string
		b    []byte
		mode os.FileMode
	}{{keyFile, keyPEM, 0o600}, {certFile, certPEM, 0o644}} {
		tmp := f.name + ".new"
		if err := os.WriteFile(tmp, f.b, f.mode); err != nil {
			return err
		}
		if err := os.Rename(tmp, f.name); err != nil {
			return err
		}
	}
	return nil
}

// loadOrMakeCA reads dir's CA, or makes one when there is none. A CA
// certificate without its key (or the other way round) is an error: a
// new CA would leave every process of before trusting the old one.
func loadOrMakeCA(dir string) (service.NATSCA, error) {
	c, cerr := os.ReadFile(filepath.Join(dir, natsCAFile))
	k, kerr := os.ReadFile(filepath.Join(dir, natsCAKeyFile))
	switch {
	case cerr == nil && kerr == nil:
		ca, err := service.ParseNATSCA(c, k)
		if err != nil {
			return service.NATSCA{}, fmt.Errorf("%s: %w (remove the directory to make a new CA)", dir, err)
		}
		return ca, nil
	case errors.Is(cerr, fs.ErrNotExist) && errors.Is(kerr, fs.ErrNotExist):
	default:
		return service.NATSCA{}, fmt.Errorf("%s: the CA's certificate or key is missing or unreadable (%v, %v): "+
			"put it back, or remove the directory to make a new CA", dir, cerr, kerr)
	}
	ca, err := service.NewNATSCA("Mötesplats make up NATS CA")
	if err != nil {
		return service.NATSCA{}, err
	}
	if err := os.WriteFile(filepath.Join(dir, natsCAKeyFile), ca.KeyPEM, 0o600); err != nil {
		return service.NATSCA{}, err
	}
	return ca, os.WriteFile(filepath.Join(dir, natsCAFile), ca.CertPEM, 0o644)
}

// certOK reports whether certFile with keyFile is a certificate of ca for
// usage, holding every one of names, and not due (NATSNodeRenewBefore).
func certOK(ca service.NATSCA, certFile, keyFile string, usage x509.ExtKeyUsage, names []string) bool {
	if _, err := service.NATSTLSConfig("", certFile, keyFile); err != nil {
		return false
	}
	b, err := os.ReadFile(certFile)
	if err != nil {
		return false
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return false
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return false
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		return false
	}
	if time.Until(cert.NotAfter) < NATSNodeRenewBefore {
		return false
	}
	return !slices.ContainsFunc(names, func(n string) bool { return cert.VerifyHostname(n) != nil })
}

// newCACommand is what makes a layout's new CA: every process of make
// up starts anew trusting the file of the same path (keys.env's
// NATS_CA_FILE), so under make up a new CA is one restart.
func newCACommand(dir string) string {
	return fmt.Sprintf("make a new one with: make down; rm -r %s; make up (every process starts trusting it; "+
		"docs/runbook.md, Renewing NATS' certificates)", dir)
}

// NATSCAWarning is a warning for make up to print when the CA in dir
// ends within NATSCAWarnBefore (ADR 0241), naming the day and the
// command that makes a new one; empty when it does not, or there is no
// CA. The CA is not replaced by itself: a process or tool of before that
// trusts only the old one would stop connecting with no word.
func NATSCAWarning(dir string) string {
	b, err := os.ReadFile(NATSCAFile(dir))
	if err != nil {
		return ""
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return ""
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil || time.Until(c.NotAfter) >= NATSCAWarnBefore {
		return ""
	}
	return fmt.Sprintf("warning: the NATS CA %s expires on %s, in %d days; then no process can connect: %s",
		NATSCAFile(dir), c.NotAfter.UTC().Format(time.DateOnly), int(time.Until(c.NotAfter).Hours()/24), newCACommand(dir))
}

// natsTLSBlock is node i's TLS blocks' body (ADR 0230): its certificate
// and key and the CA. Clients must present a certificate of the CA as
// well as their user's password (verify, ADR 0276): one who learnt a
// password but holds no certificate is refused in the handshake. Routes
// must too (nats-server requires and verifies a route's certificate
// whatever the block says).
func natsTLSBlock(o Options, i int, indent string) string {
	cert, key := natsNodeFiles(o.NATSTLS, i)
	var b strings.Builder
	fmt.Fprintf(&b, "%stls {\n", indent)
	fmt.Fprintf(&b, "%s  cert_file: %q\n%s  key_file: %q\n%s  ca_file: %q\n", indent, cert, indent, key, indent, NATSCAFile(o.NATSTLS))
	fmt.Fprintf(&b, "%s  verify: true\n", indent)
	// The handshake of a loaded machine (the tests' -race) can outlast
	// the default half second.
	fmt.Fprintf(&b, "%s  timeout: 5\n%s}\n", indent, indent)
	return b.String()
}

// nodeCertOK reports whether certFile with keyFile is a node's
// certificate of ca holding every one of names, and not due.
func nodeCertOK(ca service.NATSCA, certFile, keyFile string, names []string) bool {
	return certOK(ca, certFile, keyFile, x509.ExtKeyUsageServerAuth, names)
}
