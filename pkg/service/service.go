// Package service is what every Mötesplats service process shares: its
// dependencies, its configuration from the environment (12-factor), and the
// serve-until-cancelled loop. The embedded stack builds Deps itself and
// runs every service in one process; a standalone service calls Main.
package service

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/telemetry"
)

// Deps are the shared things a service needs. Everything is injected so
// tests can give a real but private NATS, a fixed clock and fixed ids.
type Deps struct {
	JS       jetstream.JetStream
	Cache    cache.Backend
	Verifier *auth.Verifier
	Logger   *slog.Logger
	Now      func() time.Time
	IDs      ids.Source
	// Replicas of streams and buckets: 1 on one server, 3 in a cluster.
	Replicas int
	// ShutdownTimeout bounds the graceful stop of the gRPC server.
	ShutdownTimeout time.Duration
	// Keyring seals personal data with per-person keys that erasure
	// shreds (pkg/seal). Main and the stack always set it; nil (some
	// tests) stores records and events in clear.
	Keyring *seal.Keyring
}

// WithDefaults fills unset optional fields.
func (d Deps) WithDefaults() Deps {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.IDs == nil {
		d.IDs = ids.UUIDv7{}
	}
	if d.Replicas == 0 {
		d.Replicas = 1
	}
	if d.ShutdownTimeout == 0 {
		d.ShutdownTimeout = 10 * time.Second
	}
	if d.Cache == nil {
		d.Cache = cache.NewMemory(100_000)
	}
	return d
}

// Serve listens on addr and serves srv until ctx ends, then stops
// gracefully. ready, if not nil, gets the bound address (useful with :0).
func Serve(ctx context.Context, name, addr string, srv *grpc.Server, hs *health.Server, d Deps, ready func(net.Addr)) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s: listen %s: %w", name, addr, err)
	}
	d.Logger.Info("serving", "component", name, "addr", lis.Addr().String())
	if ready != nil {
		ready(lis.Addr())
	}
	return grpcx.Serve(ctx, srv, hs, lis, d.ShutdownTimeout)
}

// Config is a standalone service's configuration, read from the
// environment only.
type Config struct {
	Name         string
	Addr         string // <NAME>_ADDR, for example PARTICIPANTS_ADDR
	NATSURL      string // NATS_URL
	RedisURL     string // REDIS_URL; empty uses an in-process cache
	PublicKeys   string // MP_PUBLIC_KEYS: "keyid=base64,keyid2=base64"
	OTLPEndpoint string // OTEL_EXPORTER_OTLP_ENDPOINT
	LogLevel     slog.Level
	Replicas     int    // MP_REPLICAS
	MetricsAddr  string // METRICS_ADDR: Prometheus /metrics; "off" serves none
}

// String prints the configuration for the start-up log; nothing in it is
// secret (public keys are public), but URLs may carry passwords.
func (c Config) String() string {
	return fmt.Sprintf("name=%s addr=%s nats=%s redis=%s otlp=%s replicas=%d metrics=%s",
		c.Name, c.Addr, maskURL(c.NATSURL), maskURL(c.RedisURL), c.OTLPEndpoint, c.Replicas, c.MetricsAddr)
}

func maskURL(u string) string {
	if at := strings.LastIndex(u, "@"); at >= 0 {
		if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
			return u[:scheme+3] + "***" + u[at:]
		}
	}
	return u
}

// ConfigFromEnv reads a service's configuration.
func ConfigFromEnv(name, defaultAddr string, getenv func(string) string) (Config, error) {
	c := Config{
		Name:         name,
		Addr:         or(getenv(strings.ToUpper(name)+"_ADDR"), defaultAddr),
		NATSURL:      or(getenv("NATS_URL"), nats.DefaultURL),
		RedisURL:     getenv("REDIS_URL"),
		PublicKeys:   getenv("MP_PUBLIC_KEYS"),
		OTLPEndpoint: getenv("OTEL_EXPORTER_OTLP_ENDPOINT"),
		Replicas:     1,
		MetricsAddr:  MetricsAddrFrom(name, getenv),
	}
	if s := getenv("LOG_LEVEL"); s != "" {
		if err := c.LogLevel.UnmarshalText([]byte(s)); err != nil {
			return c, fmt.Errorf("LOG_LEVEL: %w", err)
		}
	}
	if s := getenv("MP_REPLICAS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 5 {
			return c, errors.New("MP_REPLICAS: must be 1 to 5")
		}
		c.Replicas = n
	}
	if c.PublicKeys == "" {
		return c, errors.New("MP_PUBLIC_KEYS is required: the public keys that sign callers' tokens (keyid=base64,...)")
	}
	if _, err := ParsePublicKeys(c.PublicKeys); err != nil {
		return c, err
	}
	return c, nil
}

// ParsePublicKeys parses "keyid=base64,keyid2=base64".
func ParsePublicKeys(s string) (map[string]ed25519.PublicKey, error) {
	keys := map[string]ed25519.PublicKey{}
	for _, part := range strings.Split(s, ",") {
		kid, enc, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || kid == "" {
			return nil, errors.New("MP_PUBLIC_KEYS: want keyid=base64[,keyid=base64...]")
		}
		pub, err := auth.DecodePublicKey(enc)
		if err != nil {
			return nil, fmt.Errorf("MP_PUBLIC_KEYS: key %s: %w", kid, err)
		}
		keys[kid] = pub
	}
	return keys, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// RunFunc runs one service until ctx ends.
type RunFunc func(ctx context.Context, addr string, d Deps) error

// Main runs a standalone service process: configuration from the
// environment, telemetry, NATS and Redis connections, then run until
// SIGINT or SIGTERM. It is the only place that exits the process.
func Main(name, defaultAddr string, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := mainErr(ctx, name, defaultAddr, run)
	stop()
	if err != nil {
		slog.Error("exit", "service", name, "err", err)
		os.Exit(1)
	}
}

func mainErr(ctx context.Context, name, defaultAddr string, run RunFunc) error {
	cfg, err := ConfigFromEnv(name, defaultAddr, os.Getenv)
	if err != nil {
		return err
	}
	keks, err := seal.KEKsFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	tel, err := telemetry.Setup(ctx, telemetry.Config{ServiceName: name, OTLPEndpoint: cfg.OTLPEndpoint, LogLevel: cfg.LogLevel})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tel.Shutdown(sctx)
	}()
	log := tel.Logger
	log.Info("starting", "config", cfg.String())
	if _, err := tel.ServeMetrics(cfg.MetricsAddr); err != nil {
		return err
	}
	closed := make(chan struct{})
	nc, err := nats.Connect(cfg.NATSURL, nats.Name(name), nats.MaxReconnects(-1),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		return fmt.Errorf("connect NATS: %w", err)
	}
	defer func() {
		// Drain lets in-flight messages finish; wait for it, within reason,
		// so nothing acknowledged is cut off at exit.
		if nc.Drain() == nil {
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
			}
		}
	}()
	js, err := events.JetStream(nc)
	if err != nil {
		return err
	}
	// The dead-letter and replay streams every consumer shares, at the
	// replicas of the rest (a consumer alone would make them R1).
	if err := events.EnsureOperatorStreams(ctx, js, cfg.Replicas); err != nil {
		return err
	}
	keyring, err := seal.Open(ctx, js, seal.Config{KEKs: keks, Replicas: cfg.Replicas, Logger: log})
	if err != nil {
		return err
	}
	defer keyring.Close()
	keys, _ := ParsePublicKeys(cfg.PublicKeys)
	d := Deps{JS: js, Verifier: auth.NewVerifier(keys, time.Now, 30*time.Second), Logger: log, Replicas: cfg.Replicas,
		Keyring: keyring}
	if cfg.RedisURL != "" {
		rc, err := cache.NewRedisClient(cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("REDIS_URL: %w", err)
		}
		defer rc.Close()
		d.Cache = cache.NewRedis(rc)
	}
	return run(ctx, cfg.Addr, d.WithDefaults())
}
