package service

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel"

	"github.com/motesplats/motesplats/pkg/envvar"
)

// The variables a NATS client reads its user and password from (ADR
// 0225). They are apart from NATS_URL because NATS_URL is logged at start
// and shown by the tools: a password in it would be in every log.
const (
	NATSUserEnv     = "NATS_USER"
	NATSPasswordEnv = "NATS_PASSWORD"
)

// NATSAuth is the user and password a process connects to NATS with,
// and the TLS it connects with (ADR 0230). Empty User connects without
// credentials and nil TLS as NATS_URL's scheme says: the embedded stack
// and tests, whose servers listen on loopback only.
type NATSAuth struct {
	User, Password string
	TLS            *tls.Config
}

// NATSAuthFrom reads NATS_USER and NATS_PASSWORD, and NATS_CA_FILE,
// NATS_CERT_FILE and NATS_KEY_FILE (natsTLSFrom). One of the user and
// password without the other is refused at start: a server would refuse
// it later, with less to go on; so is a TLS file that does not read.
func NATSAuthFrom(e *envvar.Env) NATSAuth {
	a := NATSAuth{User: e.Getenv(NATSUserEnv), Password: e.Getenv(NATSPasswordEnv), TLS: natsTLSFrom(e)}
	switch {
	case a.User != "" && a.Password == "":
		e.RefuseSecret(NATSPasswordEnv, "empty while "+NATSUserEnv+" is set",
			"the password of NATS_USER in the NATS server's configuration (the Secret motesplats-nats, or keys.env of make up)")
	case a.User == "" && a.Password != "":
		e.Refuse(NATSUserEnv, "", "empty while "+NATSPasswordEnv+" is set", "the NATS user the password belongs to, such as motesplats")
	}
	return a
}

// ConnectNATS connects to url (NATS_URL) as the client name with a's
// user and password and opts. Every process of the system connects
// through it (the services' Main and the stack's tools), so a server that
// refuses the credentials is answered the same everywhere: in words
// naming the variables to set, not nats' "authorization violation". With
// a.TLS the connection is TLS whatever NATS_URL's scheme.
func ConnectNATS(url, name string, a NATSAuth, opts ...nats.Option) (*nats.Conn, error) {
	all := append([]nats.Option{nats.Name(name)}, natsRefusalHandlers(name, a, slog.Default)...)
	if a.User != "" {
		// Replies come to the user's own inbox prefix, the only one its
		// permissions let it subscribe to (ADR 0226).
		all = append(all, nats.UserInfo(a.User, a.Password), nats.CustomInboxPrefix(NATSInboxPrefix(a.User)))
	}
	seen := &natsCertSeen{}
	if a.TLS != nil {
		// The passwords and every message cross the network in TLS
		// (ADR 0230); a server without TLS is refused by the client.
		// Each handshake's certificates are kept for the expiry watch.
		all = append(all, nats.Secure(recordHandshakes(a.TLS, seen)))
	}
	var stopWatch func()
	var mu sync.Mutex
	closed := func(o *nats.Options) error {
		// Stops the expiry watch with the connection, keeping the
		// caller's ClosedHandler (options apply in order: this is last).
		prev := o.ClosedCB
		o.ClosedCB = func(c *nats.Conn) {
			mu.Lock()
			if stopWatch != nil {
				stopWatch()
			}
			mu.Unlock()
			natsCertsSeen.Delete(c)
			if prev != nil {
				prev(c)
			}
		}
		return nil
	}
	nc, err := nats.Connect(url, append(append(all, opts...), closed)...)
	if err != nil {
		return nil, natsConnectError(err, a)
	}
	if a.TLS != nil {
		// Warn and measure before the certificates expire (ADR 0241).
		natsCertsSeen.Store(nc, seen)
		mu.Lock()
		stopWatch = WatchNATSCerts(nc, name, slog.Default(), otel.GetMeterProvider(), natsCertCheckEvery)
		mu.Unlock()
		if nc.IsClosed() {
			// Closed before the watch began: the handler found none.
			stopWatch()
			natsCertsSeen.Delete(nc)
		}
	}
	return nc, nil
}

// natsConnectError says what to do about a refused connection.
func natsConnectError(err error, a NATSAuth) error {
	if errors.Is(err, nats.ErrSecureConnRequired) || (a.TLS == nil && strings.Contains(err.Error(), "tls: ")) {
		return fmt.Errorf("connect NATS: the server requires TLS: set %s to the CA file that signed its certificate "+
			"(ADR 0230), or use a tls:// NATS_URL for a certificate of a public CA: %w", NATSCAFileEnv, err)
	}
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	if errors.As(err, &unknown) || errors.As(err, &host) {
		return fmt.Errorf("connect NATS: the server's certificate does not verify with %s (another CA, or a name of "+
			"NATS_URL the certificate does not hold; ADR 0230): %w", NATSCAFileEnv, err)
	}
	if e := natsClientCertError(err, a); e != nil {
		return e
	}
	if a.TLS != nil && a.TLS.GetClientCertificate == nil && len(a.TLS.Certificates) == 0 && strings.Contains(err.Error(), "tls") {
		// A node verifying clients (make up's, ADR 0276) ends the
		// handshake of one without a certificate: nats.go says only
		// that the connection closed.
		return fmt.Errorf("connect NATS: the TLS handshake failed, and the server may require a client certificate: set %s "+
			"and %s to this user's certificate of the server's CA (make up: keys.env's, or .tmp/up/tls/client-<user>.crt; ADR 0276): %w",
			NATSCertFileEnv, NATSKeyFileEnv, err)
	}
	if !errors.Is(err, nats.ErrAuthorization) && !errors.Is(err, nats.ErrAuthExpired) && !errors.Is(err, nats.ErrAuthRevoked) {
		return fmt.Errorf("connect NATS: %w", err)
	}
	if a.User == "" {
		return fmt.Errorf("connect NATS: the server requires a user and password: set %s and %s "+
			"(the client user of the server's configuration; ADR 0225): %w", NATSUserEnv, NATSPasswordEnv, err)
	}
	return fmt.Errorf("connect NATS: the server refused user %q: set %s to the password the server's configuration "+
		"gives that user (and %s to a user it knows; ADR 0225): %w", a.User, NATSPasswordEnv, NATSUserEnv, err)
}

// The users of a deployment's NATS (ADR 0225): NATSClientUser, in the
// global account where every stream and bucket has always been, was the
// one every process connected as, with every right; since ADR 0226 each
// signs in as its own (NATSServiceUsers), and compose and Kubernetes keep
// NATSClientUser for this release only, so a process of before keeps
// working through a rolling upgrade. NATSSystemUser, in the system
// account, is the operators' for the server's own reports and raft
// commands.
const (
	NATSClientUser = "motesplats"
	NATSSystemUser = "sys"
)

// NewNATSPassword returns a new password for a NATS user: "mp" and 48 hex
// digits. nats-server reads a $VARIABLE of its configuration as
// configuration text, so the password has no character that text would
// take for something else (base64's "+", "/" and "=", a leading digit).
func NewNATSPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "mp" + hex.EncodeToString(b), nil
}
