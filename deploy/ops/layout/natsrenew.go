package layout

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/motesplats/motesplats/pkg/service"
)

// renewLoadWait bounds how long RenewNATSCerts waits for a node to serve
// its renewed certificate after the signal (nats-server reloads in
// milliseconds; a loaded machine's -race run is slower).
const renewLoadWait = 30 * time.Second

// RenewNATSCerts renews every certificate of the layout's NATS TLS
// directory tlsDir now, while the layout in dir runs (`make renew-certs`,
// ADR 0276): each node's certificate is issued again by the same CA with
// the names the old one held, and each user's client certificate for the
// same user. Each running node is then sent SIGHUP: nats-server reloads
// its configuration, and with it the certificate files, without a
// restart; its connections stay up (a reload changes what new handshakes
// are shown, not the handshakes done). It then dials each node in TLS
// until the node serves its new certificate (renewLoadWait), and says
// what each serves on out. The processes present their renewed client
// certificate at their next handshake (they read the files again when
// they change). A node that is not running is said and skipped: it reads
// the new files when started (make restart). The CA is kept; an expired
// CA is an error, as at start.
func RenewNATSCerts(dir, tlsDir string, out io.Writer) error {
	c, cerr := os.ReadFile(NATSCAFile(tlsDir))
	k, kerr := os.ReadFile(filepath.Join(tlsDir, natsCAKeyFile))
	if cerr != nil || kerr != nil {
		return fmt.Errorf("%s: no CA to renew with (%v, %v): make up makes one", tlsDir, cerr, kerr)
	}
	ca, err := service.ParseNATSCA(c, k)
	if err != nil {
		return fmt.Errorf("%s: %w", tlsDir, err)
	}
	if !time.Now().Before(ca.Cert.NotAfter) {
		return fmt.Errorf("%s: the NATS CA expired on %s: %s", NATSCAFile(tlsDir), ca.Cert.NotAfter.UTC().Format(time.DateOnly), newCACommand(tlsDir))
	}
	// The nodes' certificates, by the names each held.
	serials := map[string]string{} // node file name n<i> -> the new serial
	nodes, _ := filepath.Glob(filepath.Join(tlsDir, "n[0-9]*.crt"))
	for _, certFile := range nodes {
		old, err := readCert(certFile)
		if err != nil {
			return err
		}
		names := []string{old.Subject.CommonName}
		for _, n := range old.DNSNames {
			if n != names[0] {
				names = append(names, n)
			}
		}
		for _, ip := range old.IPAddresses {
			names = append(names, ip.String())
		}
		cp, kp, err := ca.Issue(names...)
		if err != nil {
			return err
		}
		if err := writePair(certFile, strings.TrimSuffix(certFile, ".crt")+".key", cp, kp); err != nil {
			return err
		}
		renewed, err := readCert(certFile)
		if err != nil {
			return err
		}
		serials[strings.TrimSuffix(filepath.Base(certFile), ".crt")] = renewed.SerialNumber.Text(16)
	}
	// The users' client certificates.
	clients, _ := filepath.Glob(filepath.Join(tlsDir, "client-*.crt"))
	for _, certFile := range clients {
		old, err := readCert(certFile)
		if err != nil {
			return err
		}
		cp, kp, err := ca.IssueClient(old.Subject.CommonName)
		if err != nil {
			return err
		}
		if err := writePair(certFile, strings.TrimSuffix(certFile, ".crt")+".key", cp, kp); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "renewed %d node and %d client certificates in %s (same CA, until %s)\n", len(nodes), len(clients), tlsDir,
		time.Now().Add(2*365*24*time.Hour).UTC().Format(time.DateOnly))

	s, unlock, err := readLocked(dir)
	if errors.Is(err, os.ErrNotExist) {
		fmt.Fprintln(out, "nothing running: make up uses them")
		return nil
	}
	if err != nil {
		return err
	}
	unlock() // the signals and dials need no lock: a make restart meanwhile reads the new files
	dialTLS, err := service.NATSTLSConfig(NATSCAFile(tlsDir), "", "")
	if err != nil {
		return err
	}
	if cf, kf := NATSClientFiles(tlsDir, service.NATSToolsUser); fileExists(cf) {
		if dialTLS, err = service.NATSTLSConfig(NATSCAFile(tlsDir), cf, kf); err != nil {
			return err
		}
	}
	var failed []string
	for _, p := range s.Procs {
		num, ok := strings.CutPrefix(p.Name, "nats-")
		if !ok {
			continue
		}
		if !alive(p.Pid) {
			fmt.Fprintf(out, "  %s is not running: it serves the new certificate when started (make restart P=%s)\n", p.Name, p.Name)
			continue
		}
		if err := syscall.Kill(p.Pid, syscall.SIGHUP); err != nil {
			return fmt.Errorf("%s (pid %d): reload: %w", p.Name, p.Pid, err)
		}
		want := serials["n"+num]
		var got *x509.Certificate
		deadline := time.Now().Add(renewLoadWait)
		for {
			got, err = ServedNATSCert(p.Addr, dialTLS)
			if (err == nil && got.SerialNumber.Text(16) == want) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		switch {
		case err != nil:
			failed = append(failed, fmt.Sprintf("%s: %v", p.Name, err))
		case got.SerialNumber.Text(16) != want:
			failed = append(failed, fmt.Sprintf("%s still serves serial %s after %v, not the renewed %s (see its log)",
				p.Name, got.SerialNumber.Text(16), renewLoadWait, want))
		default:
			fmt.Fprintf(out, "  %s %s serves the renewed certificate (serial %s, until %s)\n", p.Name, p.Addr, want,
				got.NotAfter.UTC().Format(time.DateOnly))
		}
	}
	if failed != nil {
		return fmt.Errorf("renewed, but not loaded everywhere:\n  %s", strings.Join(failed, "\n  "))
	}
	return nil
}

// ServedNATSCert is the certificate the NATS node at addr serves: it reads
// the node's INFO (NATS speaks first, in plain text), then does the TLS
// handshake with c (the CA and, for a node verifying clients, a client
// certificate) and returns the node's leaf certificate.
func ServedNATSCert(addr string, c *tls.Config) (*x509.Certificate, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "INFO ") {
		return nil, fmt.Errorf("%s: no INFO from NATS (%q, %v)", addr, line, err)
	}
	host, _, _ := net.SplitHostPort(addr)
	c = c.Clone()
	c.ServerName = host
	tc := tls.Client(conn, c)
	if err := tc.Handshake(); err != nil {
		return nil, fmt.Errorf("%s: TLS: %w", addr, err)
	}
	certs := tc.ConnectionState().PeerCertificates
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no certificate served", addr)
	}
	return certs[0], nil
}

// readCert reads one PEM certificate.
func readCert(file string) (*x509.Certificate, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: not PEM", file)
	}
	return x509.ParseCertificate(blk.Bytes)
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
