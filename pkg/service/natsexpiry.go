package service

import (
	"context"
	"crypto/tls"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// How the NATS certificates' expiry is watched (ADR 0241): a process
// connected in TLS warns at start and then once a day while the CA that
// verified the server, or the server's certificate, has fewer than
// NATSCertWarnBefore left. Two-year server certificates and a ten-year
// CA would otherwise stop every client on one day with nobody warned.
const (
	NATSCertWarnBefore = 30 * 24 * time.Hour
	natsCertCheckEvery = 24 * time.Hour
)

// The instrument (Prometheus nats_tls_expiry_seconds) and its label: the
// seconds until the earliest expiry of the certificates a connection
// verified, by kind, "ca" (the root of NATS_CA_FILE that verified the
// server) or "server" (the certificate the server showed in the TLS
// handshake). Certificates of machines: no personal data.
const (
	natsExpiryInstrument = "nats.tls.expiry"
	natsExpiryKind       = "cert"
	meterName            = "github.com/motesplats/motesplats/pkg/service"
)

// NATSCertExpiry is when the certificates of a TLS connection to NATS
// expire: the earliest NotAfter of the server's certificates (the peer
// certificates of the handshake) and of the CA that verified them (the
// root of the verified chain, from NATS_CA_FILE), and Client, the
// process's own certificate (NATS_CERT_FILE, ADR 0276) as its next
// handshake would present it: zero when it has none. OK is false when
// the connection is not in TLS or not verified (a reconnect under way).
type NATSCertExpiry struct {
	CA, Server, Client time.Time
	OK                 bool
}

// natsCertExpiryOf reads a's certificates from a TLS connection's state.
func natsCertExpiryOf(cs tls.ConnectionState) NATSCertExpiry {
	if len(cs.PeerCertificates) == 0 || len(cs.VerifiedChains) == 0 {
		return NATSCertExpiry{}
	}
	var e NATSCertExpiry
	for _, c := range cs.PeerCertificates {
		if e.Server.IsZero() || c.NotAfter.Before(e.Server) {
			e.Server = c.NotAfter
		}
	}
	for _, chain := range cs.VerifiedChains {
		if len(chain) == 0 {
			continue
		}
		// The chain ends at the root the process trusts; a CA file with
		// two CAs (a CA roll) verifies with the one that signed.
		if root := chain[len(chain)-1]; e.CA.IsZero() || root.NotAfter.Before(e.CA) {
			e.CA = root.NotAfter
		}
	}
	e.OK = !e.CA.IsZero()
	return e
}

// natsCertsSeen is the expiry of the certificates each connection of
// ConnectNATS in TLS was last shown, by connection: its tls.Config's
// VerifyConnection records every handshake (the first and each
// reconnect's). nats.Conn.TLSConnectionState is not used: it reads the
// connection's status without its lock, a data race with a reconnect.
var natsCertsSeen sync.Map // *nats.Conn -> *natsCertSeen

// natsCertSeen is one connection's last handshake's expiry, and the TLS
// configuration whose client certificate it presents (read anew at each
// look: a renewed file is what the next handshake presents).
type natsCertSeen struct {
	mu  sync.Mutex
	e   NATSCertExpiry
	own *tls.Config
}

func (s *natsCertSeen) set(cs tls.ConnectionState) {
	e := natsCertExpiryOf(cs)
	s.mu.Lock()
	s.e = e
	s.mu.Unlock()
}

func (s *natsCertSeen) get() NATSCertExpiry {
	s.mu.Lock()
	e, own := s.e, s.own
	s.mu.Unlock()
	if e.OK {
		e.Client = natsClientNotAfter(own)
	}
	return e
}

// recordHandshakes returns c's clone that records each handshake's
// certificates in seen, after c's own checks.
func recordHandshakes(c *tls.Config, seen *natsCertSeen) *tls.Config {
	c = c.Clone()
	seen.own = c
	own := c.VerifyConnection
	c.VerifyConnection = func(cs tls.ConnectionState) error {
		if own != nil {
			if err := own(cs); err != nil {
				return err
			}
		}
		seen.set(cs)
		return nil
	}
	return c
}

// NATSCertExpiryOf is the expiry of the certificates nc (a connection of
// ConnectNATS) was shown in its last TLS handshake; OK false when nc is
// not in TLS or not ConnectNATS's.
func NATSCertExpiryOf(nc *nats.Conn) NATSCertExpiry {
	if s, ok := natsCertsSeen.Load(nc); ok {
		return s.(*natsCertSeen).get()
	}
	return NATSCertExpiry{}
}

// warn logs a warning for each certificate expiring within
// NATSCertWarnBefore of now, saying which and what to do; it reports
// whether it warned.
func (e NATSCertExpiry) warn(log *slog.Logger, client string, now time.Time) bool {
	if !e.OK {
		return false
	}
	warned := false
	for _, c := range []struct {
		kind string
		at   time.Time
		do   string
	}{
		{"ca", e.CA, "make a new CA before then and give every process its ca.crt (a flag day: docs/runbook.md, Renewing NATS' certificates)"},
		{"server", e.Server, "renew the NATS server certificates with the same CA (docs/runbook.md, Renewing NATS' certificates)"},
		{"client", e.Client, "renew this process's client certificate (NATS_CERT_FILE) with the same CA: make renew-certs under make up " +
			"(docs/runbook.md, Renewing NATS' certificates)"},
	} {
		if c.at.IsZero() {
			continue // no client certificate
		}
		left := c.at.Sub(now)
		if left >= NATSCertWarnBefore {
			continue
		}
		warned = true
		log.Warn("NATS TLS certificate expires soon: clients will be refused from then on",
			"client", client, natsExpiryKind, c.kind, "not_after", c.at.UTC().Format(time.RFC3339),
			"days_left", math.Floor(left.Hours()/24), "do", c.do)
	}
	return warned
}

// WatchNATSCerts watches the expiry of nc's TLS certificates (ADR 0241):
// it warns on log at once and every `every` while one has fewer than
// NATSCertWarnBefore left, and reports nats.tls.expiry to mp, reading
// the connection's certificates anew each time (a reconnect may meet a
// renewed server certificate). A connection not in TLS is not watched.
// Stop ends it; ConnectNATS stops it when the connection closes.
func WatchNATSCerts(nc *nats.Conn, client string, log *slog.Logger, mp metric.MeterProvider, every time.Duration) (stop func()) {
	if !NATSCertExpiryOf(nc).OK {
		return func() {}
	}
	done := make(chan struct{})
	var once sync.Once
	stop = func() { once.Do(func() { close(done) }) }
	m := mp.Meter(meterName)
	g, err := m.Float64ObservableGauge(natsExpiryInstrument, metric.WithUnit("s"),
		metric.WithDescription("Seconds until the earliest expiry of the NATS TLS certificates this process verified, "+
			"by cert: ca (of NATS_CA_FILE), server (shown by the NATS server) or client (its own, NATS_CERT_FILE)."))
	var reg metric.Registration
	if err == nil {
		client := attribute.String("client", client)
		ca := metric.WithAttributes(client, attribute.String(natsExpiryKind, "ca"))
		server := metric.WithAttributes(client, attribute.String(natsExpiryKind, "server"))
		own := metric.WithAttributes(client, attribute.String(natsExpiryKind, "client"))
		reg, _ = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			if e := NATSCertExpiryOf(nc); e.OK {
				o.ObserveFloat64(g, time.Until(e.CA).Seconds(), ca)
				o.ObserveFloat64(g, time.Until(e.Server).Seconds(), server)
				if !e.Client.IsZero() {
					o.ObserveFloat64(g, time.Until(e.Client).Seconds(), own)
				}
			}
			return nil
		}, g)
	}
	NATSCertExpiryOf(nc).warn(log, client, time.Now())
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				if reg != nil {
					_ = reg.Unregister()
				}
				return
			case <-t.C:
				NATSCertExpiryOf(nc).warn(log, client, time.Now())
			}
		}
	}()
	return stop
}
