// Package service is what every Mötesplats service process shares: its
// dependencies, its configuration from the environment (12-factor), and the
// serve-until-cancelled loop. The embedded stack builds Deps itself and
// runs every service in one process; a standalone service calls Main.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/envvar"
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
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go followReadiness(rctx, hs)
	return grpcx.Serve(ctx, srv, hs, lis, d.ShutdownTimeout)
}

// Config is a standalone service's configuration, read from the
// environment only.
type Config struct {
	Name         string
	Addr         string   // <NAME>_ADDR, for example PARTICIPANTS_ADDR
	NATSURL      string   // NATS_URL
	NATS         NATSAuth // NATS_USER, NATS_PASSWORD (NATSAuthFrom)
	RedisURL     string   // REDIS_URL; empty uses an in-process cache
	PublicKeys   string   // MP_PUBLIC_KEYS: "keyid=base64:binding,..." (ParsePublicKeys)
	OTLPEndpoint string   // OTEL_EXPORTER_OTLP_ENDPOINT
	LogLevel     slog.Level
	Replicas     int    // MP_REPLICAS
	MetricsAddr  string // METRICS_ADDR: Prometheus /metrics; "off" serves none
	KeyBuckets   string // MP_KEY_BUCKETS: KeyBucketsOwn or KeyBucketsShared (ADR 0238)
	// keks are the data keys Configure read (seal.KEKsFromEnv).
	keks []seal.KEK
}

// String prints the configuration for the start-up log; nothing in it is
// secret (public keys are public), but URLs may carry passwords.
func (c Config) String() string {
	// nats_tls says whether TLS files were given (NATS_CA_FILE, ADR 0230), not which.
	return fmt.Sprintf("name=%s addr=%s nats=%s nats_user=%s nats_tls=%t redis=%s otlp=%s replicas=%d metrics=%s key_buckets=%s",
		c.Name, c.Addr, maskURL(c.NATSURL), c.NATS.User, c.NATS.TLS != nil, maskURL(c.RedisURL), c.OTLPEndpoint, c.Replicas, c.MetricsAddr, c.KeyBuckets)
}

func maskURL(u string) string {
	if at := strings.LastIndex(u, "@"); at >= 0 {
		if scheme := strings.Index(u, "://"); scheme >= 0 && scheme < at {
			return u[:scheme+3] + "***" + u[at:]
		}
	}
	return u
}

// ConfigFromEnv reads a service's configuration. A bad value is an
// error naming its variable (envvar.Error), never a default: an empty
// variable is the default.
func ConfigFromEnv(name, defaultAddr string, getenv func(string) string) (Config, error) {
	e := envvar.New(getenv)
	c := Config{
		Name:         name,
		Addr:         e.Addr(strings.ToUpper(name)+"_ADDR", defaultAddr, ""),
		NATSURL:      natsURL(e),
		NATS:         NATSAuthFrom(e),
		RedisURL:     e.URL("REDIS_URL", "", true, "redis", "rediss"),
		PublicKeys:   e.Getenv("MP_PUBLIC_KEYS"),
		OTLPEndpoint: OTLPEndpointFrom(e),
		LogLevel:     LogLevelFrom(e),
		Replicas:     e.Int("MP_REPLICAS", 1, 1, 5),
		MetricsAddr:  e.Addr(MetricsEnv, DefaultMetricsAddr(name), telemetry.MetricsOff),
		KeyBuckets:   KeyBucketsFrom(e),
	}
	if c.PublicKeys == "" {
		e.RefuseSecret("MP_PUBLIC_KEYS", "required and empty", publicKeysWant+": the public keys that sign callers' tokens")
	} else if _, err := ParsePublicKeys(c.PublicKeys); err != nil {
		e.Refuse("MP_PUBLIC_KEYS", c.PublicKeys, err.Error(), publicKeysWant+", each key base64 of 32 bytes")
	}
	return c, e.Err()
}

// publicKeysWant is MP_PUBLIC_KEYS' form, for refusals.
const publicKeysWant = "keyid=base64:binding[,keyid=base64:binding...], binding users or service/<name> joined by +"

// natsURL is NATS_URL: one or more nats:// (or tls://, ws://, wss://)
// URLs separated by commas, or nats.DefaultURL. It may hold a password,
// so a bad one is not echoed.
func natsURL(e *envvar.Env) string {
	s := e.Getenv("NATS_URL")
	if s == "" {
		return nats.DefaultURL
	}
	for part := range strings.SplitSeq(s, ",") {
		u, err := url.Parse(strings.TrimSpace(part))
		if err != nil || u.Host == "" || !slices.Contains([]string{"nats", "tls", "ws", "wss"}, u.Scheme) {
			e.RefuseSecret("NATS_URL", "not a NATS URL", "nats://host:4222, several separated by commas")
			return nats.DefaultURL
		}
	}
	return s
}

// LogLevelFrom is LOG_LEVEL: DEBUG, INFO (the default), WARN or ERROR.
func LogLevelFrom(e *envvar.Env) slog.Level {
	var l slog.Level
	if s := e.OneOf("LOG_LEVEL", "", "DEBUG", "INFO", "WARN", "ERROR"); s != "" {
		_ = l.UnmarshalText([]byte(s))
	}
	return l
}

// OTLPEndpointFrom is OTEL_EXPORTER_OTLP_ENDPOINT: http://host:port,
// https://host:port or a bare host:port (telemetry.Config.OTLPEndpoint),
// or "" for no export.
func OTLPEndpointFrom(e *envvar.Env) string {
	const name = "OTEL_EXPORTER_OTLP_ENDPOINT"
	s := strings.TrimSpace(e.Getenv(name))
	if s == "" || strings.Contains(s, "://") {
		return e.URL(name, "", false, "http", "https")
	}
	return e.Addr(name, "", "")
}

// ParsePublicKeys parses MP_PUBLIC_KEYS: "keyid=base64:binding,...",
// where binding is what the key may sign (auth.ParseGrants: "users",
// "service/<name>", joined by "+"), e.g.
//
//	gateway=<b64>:users+service/gateway,notify=<b64>:service/notify+service/notify-link
//
// An entry without ":binding" is the form before ADR 0210 and signs
// anything (auth.AnyClaims); it is kept for one release, and Main logs a
// warning naming its key id (UnboundKeys).
func ParsePublicKeys(s string) (map[string]auth.BoundKey, error) {
	keys := map[string]auth.BoundKey{}
	for part := range strings.SplitSeq(s, ",") {
		kid, rest, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || kid == "" {
			return nil, errors.New("a part is not keyid=base64[:binding]")
		}
		enc, binding, bound := strings.Cut(rest, ":")
		pub, err := auth.DecodePublicKey(enc)
		if err != nil {
			return nil, fmt.Errorf("key %s is not base64 of 32 bytes", kid)
		}
		g := auth.AnyClaims
		if bound {
			if g, err = auth.ParseGrants(binding); err != nil {
				return nil, fmt.Errorf("key %s: %w", kid, err)
			}
		}
		if _, dup := keys[kid]; dup {
			return nil, fmt.Errorf("key id %s is given twice", kid)
		}
		keys[kid] = auth.BoundKey{Key: pub, Grants: g}
	}
	return keys, nil
}

// UnboundKeys are the ids of keys given without a binding (the old form
// of MP_PUBLIC_KEYS), sorted, for the start-up warning.
func UnboundKeys(keys map[string]auth.BoundKey) []string {
	var out []string
	for kid, k := range keys {
		if k.Grants.Unbound {
			out = append(out, kid)
		}
	}
	slices.Sort(out)
	return out
}

// WarnUnbound logs, once at start, each key that may sign anything
// because MP_PUBLIC_KEYS gives it no binding: the form before ADR 0210,
// accepted for one release.
func WarnUnbound(log *slog.Logger, keys map[string]auth.BoundKey) {
	for _, kid := range UnboundKeys(keys) {
		log.Warn("MP_PUBLIC_KEYS: a key without a binding may sign any role and any service; "+
			"bind it (keyid=base64:users+service/gateway, or :service/<name>) before the next release",
			"key_id", kid)
	}
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
//
// own is the service's own settings' error (its OptionsFromEnv), or nil.
// It is reported with the shared settings' refusals before anything
// starts or connects: one JSON line on stderr per bad variable (the
// format of the service's other logs) and exit status 2. A bad value
// used to surface minutes later, after NATS and a pool replay, or never.
func Main(name, defaultAddr string, own error, run RunFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cfg, err := Configure(name, defaultAddr, os.Getenv, own)
	if err != nil {
		stop()
		log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
		for _, line := range Refusals(err) {
			log.Error("configuration refused", "service", name, "err", line)
		}
		os.Exit(2)
	}
	err = mainErr(ctx, cfg, run)
	stop()
	if err != nil {
		slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("exit", "service", name, "err", err.Error())
		os.Exit(1)
	}
}

// Configure is everything Main checks before it starts: the shared
// configuration (ConfigFromEnv), the data keys (seal.KEKsFromEnv), the
// service's own settings (own) and that the gRPC and metrics addresses
// can be listened on. The error joins every refusal.
func Configure(name, defaultAddr string, getenv func(string) string, own error) (Config, error) {
	cfg, err := ConfigFromEnv(name, defaultAddr, getenv)
	errs := []error{err}
	keks, kerr := seal.KEKsFromEnv(getenv)
	cfg.keks = keks
	errs = append(errs, kerr, own)
	if err == nil {
		errs = append(errs, ListenCheck(strings.ToUpper(name)+"_ADDR", cfg.Addr), ListenCheck(MetricsEnv, cfg.MetricsAddr))
	}
	return cfg, errors.Join(errs...)
}

// Refusals splits a joined configuration error into its lines, each
// once (the gateway's own settings and the shared ones both read
// GATEWAY_ADDR).
func Refusals(err error) []string {
	var out []string
	for line := range strings.SplitSeq(err.Error(), "\n") {
		if line != "" && !slices.Contains(out, line) {
			out = append(out, line)
		}
	}
	return out
}

// ListenCheck says whether addr (the value of the variable name) can be
// listened on now: a port another program holds is refused at start,
// naming the variable, instead of failing after NATS is joined and the
// streams are replayed. Empty, "off" and port 0 are not tried.
func ListenCheck(name, addr string) error {
	if addr == "" || addr == telemetry.MetricsOff {
		return nil
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "0" {
		return nil
	}
	l, err := net.Listen("tcp", addr)
	switch {
	case err == nil:
		return l.Close()
	case errors.Is(err, syscall.EADDRINUSE):
		return &envvar.Error{Var: name, Value: addr, Problem: "the port is already in use by another program",
			Want: "a free address: stop the other program or set " + name + " to another port"}
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return &envvar.Error{Var: name, Value: addr, Problem: "the host is not an address of this machine",
			Want: "an address of this machine, such as 127.0.0.1:<port>, or 0.0.0.0:<port> for every interface"}
	case errors.Is(err, syscall.EACCES):
		return &envvar.Error{Var: name, Value: addr, Problem: "this user may not listen on the port",
			Want: "a port above 1023"}
	default:
		return &envvar.Error{Var: name, Value: addr, Problem: "cannot be listened on",
			Want: "host:port of this machine, such as 127.0.0.1:<port>"}
	}
}

func mainErr(ctx context.Context, cfg Config, run RunFunc) error {
	name, keks := cfg.Name, cfg.keks
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
	nc, err := ConnectNATS(cfg.NATSURL, name, cfg.NATS, nats.MaxReconnects(-1),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		return err
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
	// replicas of the rest (a consumer alone would make them R1). Only
	// their owner raises an existing one's replicas: no other service's
	// NATS user may change their configuration (ADR 0234).
	ensureOps := events.CreateOperatorStreams
	if name == events.OperatorStreamsOwner {
		ensureOps = events.EnsureOperatorStreams
	}
	if err := ensureOps(ctx, js, cfg.Replicas); err != nil {
		return err
	}
	// The same owner maintains the key ring's erasure log; the others'
	// users may not change it (ADR 0234). Each service writes its own key
	// bucket, notify none (ADR 0238).
	keyring, err := seal.Open(ctx, js, KeyringConfig(name, keks, cfg.Replicas, cfg.KeyBuckets == KeyBucketsShared, log))
	if err != nil {
		return err
	}
	defer keyring.Close()
	keys, _ := ParsePublicKeys(cfg.PublicKeys) // checked by ConfigFromEnv
	WarnUnbound(log, keys)
	d := Deps{JS: js, Verifier: auth.NewBoundVerifier(keys, time.Now, 30*time.Second), Logger: log, Replicas: cfg.Replicas,
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
