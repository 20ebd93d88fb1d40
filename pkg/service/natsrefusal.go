package service

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
)

// natsRefusalLogEvery is how often a process logs one kind of refusal
// nats.go keeps meeting (a reconnect refused every ReconnectWait, a
// publish refused at each call): the first at once, then once a minute.
const natsRefusalLogEvery = time.Minute

// natsPresentsCert reports whether c presents a client certificate.
func natsPresentsCert(c *tls.Config) bool {
	return c != nil && (c.GetClientCertificate != nil || len(c.Certificates) > 0)
}

// natsClientCertProblem is what the client can see is wrong with the
// certificate c presents (NATS_CERT_FILE) at now: expired, not valid yet,
// or not of the CA of NATS_CA_FILE (make up's one CA signs the nodes and
// the clients, ADR 0276). Empty when it sees nothing wrong. A node that
// verifies client certificates ends such a handshake, and nats.go then
// says only "connection closed by remote" or "tls: bad certificate"
// (outside50, ADR 0281).
func natsClientCertProblem(c *tls.Config, now time.Time) string {
	pair, leaf := natsClientPair(c)
	if leaf == nil {
		return ""
	}
	renew := "renew it with the server's CA (make renew-certs under make up; docs/runbook.md, Renewing NATS' certificates): " +
		"the process reads the renewed files at its next reconnect"
	switch {
	case now.After(leaf.NotAfter):
		return fmt.Sprintf("the client certificate of %s (CN %s) expired at %s: %s", NATSCertFileEnv, leaf.Subject.CommonName,
			leaf.NotAfter.UTC().Format(time.RFC3339), renew)
	case now.Before(leaf.NotBefore):
		return fmt.Sprintf("the client certificate of %s (CN %s) is valid only from %s (is this machine's clock right?)", NATSCertFileEnv,
			leaf.Subject.CommonName, leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if c.RootCAs == nil {
		return "" // the system's roots: the server's client CA is not known here
	}
	inter := x509.NewCertPool()
	for _, raw := range pair.Certificate[1:] {
		if ic, err := x509.ParseCertificate(raw); err == nil {
			inter.AddCert(ic)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: c.RootCAs, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return fmt.Sprintf("the client certificate of %s (CN %s) is not signed by the CA of %s, which the server's is (%v): "+
			"give this process its user's certificate of that CA (make up: .tmp/up/tls/client-<user>.crt; ADR 0276)",
			NATSCertFileEnv, leaf.Subject.CommonName, NATSCAFileEnv, err)
	}
	return ""
}

// natsClientCertError explains err, a handshake that failed while the
// client presented a certificate, by the certificate: what is wrong with
// it, or, when the client sees nothing, that the server may have refused
// it and what to check. Nil when err is no TLS failure.
func natsClientCertError(err error, a NATSAuth) error {
	if !natsPresentsCert(a.TLS) || !strings.Contains(err.Error(), "tls") {
		return nil
	}
	if p := natsClientCertProblem(a.TLS, time.Now()); p != "" {
		return fmt.Errorf("connect NATS: %s: %w", p, err)
	}
	return fmt.Errorf("connect NATS: the TLS handshake failed; the server may have refused this process's client certificate "+
		"(%s, %s): check that it is of the server's CA and not revoked or expired there (make renew-certs under make up; ADR 0276): %w",
		NATSCertFileEnv, NATSKeyFileEnv, err)
}

// natsRefusalHandlers are the handlers ConnectNATS gives every
// connection so that what nats.go meets after the first connect is said
// in the process's log, in words naming what to set (outside50, ADR
// 0281): a refused reconnect (an expired client certificate, a changed
// password), retried by nats.go without a word; and an asynchronous
// error, a publish or subscribe the user's permissions lack above all,
// which nats.go only printed to stderr. Each kind at most once per
// natsRefusalLogEvery. A caller's own handlers (its opts) replace these.
func natsRefusalHandlers(name string, a NATSAuth, log func() *slog.Logger) []nats.Option {
	var mu sync.Mutex
	last := map[string]time.Time{}
	due := func(kind string) bool {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		if t, ok := last[kind]; ok && now.Sub(t) < natsRefusalLogEvery {
			return false
		}
		if len(last) >= 64 {
			clear(last) // errors of many texts: bounded, at worst said again
		}
		last[kind] = now
		return true
	}
	refused := func(err error) {
		if due("reconnect") {
			log().Warn("NATS refused a reconnect; nats.go keeps trying", "client", name, "err", natsConnectError(err, a))
		}
	}
	return []nats.Option{
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				refused(err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			mu.Lock()
			delete(last, "reconnect") // the next refusal is news again
			mu.Unlock()
			log().Info("NATS reconnected", "client", name)
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			switch {
			case err == nil:
			case strings.Contains(err.Error(), "tls"):
				// A reconnect's handshake refused (nats.go reports it
				// here, not to ReconnectErrHandler).
				refused(err)
			case errors.Is(err, nats.ErrPermissionViolation):
				if due("permission") {
					log().Warn("NATS refused a subject to this process's user: the server's configuration does not grant it (ADR 0226; "+
						"make up: the users in nats-*.conf come from the same release as the process)", "client", name, "user", a.User, "err", err)
				}
			case due(err.Error()):
				log().Warn("NATS error", "client", name, "err", err)
			}
		}),
	}
}
