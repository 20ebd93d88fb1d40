package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/motesplats/motesplats/pkg/service"
)

// natsTLSNames are the names the certificate of `keygen nats-tls` holds
// (ADR 0230): compose's service name and loopback (its published port),
// and Kubernetes' client Service (nats, in the namespace motesplats) and
// each node's route address (nats-<i>.nats-cluster), so one certificate
// serves every node of either deployment.
var natsTLSNames = []string{"nats", "localhost", "127.0.0.1",
	"nats.motesplats", "nats.motesplats.svc", "nats.motesplats.svc.cluster.local",
	"*.nats-cluster", "*.nats-cluster.motesplats", "*.nats-cluster.motesplats.svc", "*.nats-cluster.motesplats.svc.cluster.local"}

// keygenNATSTLS writes NATS' TLS files into a directory (compose's
// ./certs; the files of the Secret motesplats-nats-tls): the private
// CA's certificate ca.crt and key ca.key, and the server's certificate
// tls.crt and key tls.key. A CA already there is kept and only the
// server's certificate is made anew: that is a renewal, which every
// client trusting ca.crt takes without a change. Keys are 0600.
func keygenNATSTLS(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("keygen nats-tls", flag.ContinueOnError)
	dir := fs.String("dir", "certs", "where the CA's and the server's files go (compose mounts ./certs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("keygen nats-tls: unexpected %q (want -dir only)", fs.Arg(0))
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if err := composeMadeDirectories(*dir); err != nil {
		return err
	}
	ca, made, err := natsCA(*dir)
	if err != nil {
		return err
	}
	if !time.Now().Before(ca.Cert.NotAfter) {
		return fmt.Errorf("keygen nats-tls: the CA of %s expired on %s: a certificate of it verifies nowhere. "+
			"Move ca.crt and ca.key away and run keygen nats-tls again for a new CA (a flag day: docs/runbook.md)",
			*dir, ca.Cert.NotAfter.UTC().Format(time.DateOnly))
	}
	c, k, err := ca.Issue(natsTLSNames...)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, "tls.key"), k, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*dir, "tls.crt"), c, 0o644); err != nil {
		return err
	}
	files := fmt.Sprintf("--from-file=%s --from-file=%s --from-file=%s",
		filepath.Join(*dir, "ca.crt"), filepath.Join(*dir, "tls.crt"), filepath.Join(*dir, "tls.key"))
	if made {
		_, err = fmt.Fprintf(out, "keygen nats-tls: made a new CA (ca.crt, ca.key) and the server's certificate (tls.crt, tls.key) in %s (ADR 0230).\n"+
			"compose mounts them; for Kubernetes:\n"+
			"  kubectl -n motesplats create secret generic motesplats-nats-tls %s\n"+
			"Keep ca.key off the cluster: it only signs the next renewal.\n", *dir, files)
		return err
	}
	// A renewal: what makes NATS serve it, as docs/runbook.md has it
	// (ADR 0241), and the CA's own end when it is near.
	_, err = fmt.Fprintf(out, "keygen nats-tls: kept the CA of %s and renewed the server's certificate (tls.crt, tls.key), valid until %s (ADR 0241).\n"+
		"compose: docker compose restart nats\n"+
		"Kubernetes:\n"+
		"  kubectl -n motesplats create secret generic motesplats-nats-tls %s --dry-run=client -o yaml | kubectl apply -f -\n"+
		"  kubectl -n motesplats rollout restart statefulset/nats\n",
		filepath.Join(*dir, "ca.crt"), notAfter(c).UTC().Format(time.DateOnly), files)
	if err == nil && time.Until(ca.Cert.NotAfter) < natsCAWarnBefore {
		_, err = fmt.Fprintf(out, "warning: the CA itself expires on %s; a new CA is a flag day (docs/runbook.md, Renewing NATS' certificates).\n",
			ca.Cert.NotAfter.UTC().Format(time.DateOnly))
	}
	return err
}

// natsCAWarnBefore is when a kept CA's end is said (ADR 0241).
const natsCAWarnBefore = 365 * 24 * time.Hour

// notAfter is when the PEM certificate certPEM ends (zero if it does
// not parse, which Issue's never fails to).
func notAfter(certPEM []byte) time.Time {
	if b, _ := pem.Decode(certPEM); b != nil {
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			return c.NotAfter
		}
	}
	return time.Time{}
}

// composeMadeDirectories refuses, saying why and what to do, when any of
// the files compose mounts from dir is a directory: docker compose makes a
// missing bind mount's source as an empty directory, so a compose started
// before keygen nats-tls leaves three, and the reader got "has ca.crt or
// ca.key but not both ... put the other back" or Go's "is a directory"
// (outside round s42, ADR 0233). They are not removed here: Docker made
// them as root, and a directory that is not empty is not compose's.
func composeMadeDirectories(dir string) error {
	var dirs []string
	for _, f := range []string{"ca.crt", "tls.crt", "tls.key"} {
		p := filepath.Join(dir, f)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			dirs = append(dirs, p)
		}
	}
	if len(dirs) == 0 {
		return nil
	}
	return fmt.Errorf("keygen nats-tls: %s should be files and are directories: docker compose makes a directory "+
		"for each file it mounts and does not find, so it was started before keygen nats-tls. Stop it "+
		"(docker compose down), remove them (rmdir %s; with sudo, as Docker made them as root) and run "+
		"keygen nats-tls again", strings.Join(dirs, ", "), strings.Join(dirs, " "))
}

// natsCA reads dir's CA, or makes and writes one when there is none.
func natsCA(dir string) (service.NATSCA, bool, error) {
	c, cerr := os.ReadFile(filepath.Join(dir, "ca.crt"))
	k, kerr := os.ReadFile(filepath.Join(dir, "ca.key"))
	switch {
	case cerr == nil && kerr == nil:
		ca, err := service.ParseNATSCA(c, k)
		if err != nil {
			return service.NATSCA{}, false, fmt.Errorf("keygen nats-tls: %s: %w", dir, err)
		}
		return ca, false, nil
	case errors.Is(cerr, fs.ErrNotExist) && errors.Is(kerr, fs.ErrNotExist):
	default:
		// A new CA would leave every client trusting the old one.
		return service.NATSCA{}, false, fmt.Errorf("keygen nats-tls: %s has ca.crt or ca.key but not both (%v, %v): "+
			"put the other back, or remove both to make a new CA", dir, cerr, kerr)
	}
	ca, err := service.NewNATSCA("Mötesplats NATS CA")
	if err != nil {
		return service.NATSCA{}, false, err
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.key"), ca.KeyPEM, 0o600); err != nil {
		return service.NATSCA{}, false, err
	}
	return ca, true, os.WriteFile(filepath.Join(dir, "ca.crt"), ca.CertPEM, 0o644)
}
