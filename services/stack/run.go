package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/telemetry"
	dinners "github.com/motesplats/motesplats/services/dinners/server"
	gateway "github.com/motesplats/motesplats/services/gateway/server"
	guides "github.com/motesplats/motesplats/services/guides/server"
	mentoring "github.com/motesplats/motesplats/services/mentoring/server"
	notify "github.com/motesplats/motesplats/services/notify/server"
	participants "github.com/motesplats/motesplats/services/participants/server"
	volunteers "github.com/motesplats/motesplats/services/volunteers/server"
)

// localKeyID names the gateway's signing key in tokens, notifyKeyID
// notify's, operatorKeyID the operators' (token, seed, load, latency).
const (
	localKeyID    = "local"
	notifyKeyID   = service.NotifyKeyID
	operatorKeyID = service.OperatorKeyID
)

// signers are the stack's private keys, one per signer (ADR 0210, 0217).
type signers struct {
	gateway, notify, operator ed25519.PrivateKey
}

// loadSigners reads the stack's keys, creating each file (0600) the first
// time: an older data directory gains notify's and the operators' keys at
// its next start, keeping the gateway's.
func loadSigners(cfg Config) (signers, error) {
	var s signers
	var err error
	if s.gateway, err = auth.LoadOrCreateKeyFile(cfg.SigningKeyPath()); err != nil {
		return s, fmt.Errorf("signing key: %w", err)
	}
	// Notify signs with a key of its own, which may sign only notify's
	// service subjects (ADR 0210): a fault in notify cannot mint a person.
	if s.notify, err = auth.LoadOrCreateKeyFile(cfg.NotifyKeyPath()); err != nil {
		return s, fmt.Errorf("notify's signing key: %w", err)
	}
	// The operators' tools sign with theirs, which may sign people's
	// roles only (ADR 0217): whoever runs make token holds no key the
	// gateway or notify signs with.
	if s.operator, err = auth.LoadOrCreateKeyFile(cfg.OperatorKeyPath()); err != nil {
		return s, fmt.Errorf("the operators' signing key: %w", err)
	}
	return s, nil
}

// verifierKeys are the stack's verifier keys, each bound to what its
// signer may sign (ADR 0210, 0217), and a test's extra keys.
func (s signers) verifierKeys(extra map[string]auth.BoundKey) map[string]auth.BoundKey {
	keys := map[string]auth.BoundKey{
		localKeyID:    {Key: s.gateway.Public().(ed25519.PublicKey), Grants: auth.GatewayGrants()},
		notifyKeyID:   {Key: s.notify.Public().(ed25519.PublicKey), Grants: auth.NotifyGrants()},
		operatorKeyID: {Key: s.operator.Public().(ed25519.PublicKey), Grants: auth.OperatorGrants()},
	}
	maps.Copy(keys, extra)
	return keys
}

// keyringOwners are the services make run opens a keyring for, the
// gateway first: it maintains the erasure log the others take as it is.
var keyringOwners = []string{"gateway", "participants", "volunteers", "mentoring", "dinners", "guides", "notify"}

// Listening reports where each part of a running stack listens; tests use
// it with :0 addresses.
type Listening struct {
	mu    sync.Mutex
	addrs map[string]string
	all   chan struct{}
}

func (l *Listening) set(name string, a net.Addr, want int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.addrs[name] = a.String()
	if len(l.addrs) == want {
		close(l.all)
	}
}

// Addr returns the address of a part ("nats", "participants", ...).
func (l *Listening) Addr(name string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addrs[name]
}

// run starts the embedded NATS server and every service, prints where each
// listens and how to get a token, and stops everything cleanly when ctx
// ends. listening, if not nil, is filled in as parts come up.
func run(ctx context.Context, cfg Config, out io.Writer, listening *Listening) error {
	start := time.Now()
	debug.SetGCPercent(cfg.GCPercent)
	tel, err := telemetry.Setup(ctx, telemetry.Config{ServiceName: "motesplats-stack", OTLPEndpoint: cfg.OTLPEndpoint, LogLevel: cfg.LogLevel,
		LogWriter: cfg.logs, SpanExporter: cfg.spans})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tel.Shutdown(sctx)
	}()
	log := tel.Logger
	// The data directory first: a second stack on it is refused for that,
	// not told to move a port and then let onto the same files (ADR 0223).
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	unlock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer unlock()
	if err := portsFree(cfg); err != nil {
		return err
	}
	// One endpoint for the whole process: every service in it shares the
	// meter provider, and their instruments carry the service's name.
	metricsAddr, err := tel.ServeMetrics(cfg.MetricsAddr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	keys, err := loadSigners(cfg)
	if err != nil {
		return err
	}
	ns, err := natsembed.Start(natsembed.Options{
		StoreDir: filepath.Join(cfg.DataDir, "nats"), Host: cfg.NATSHost, Port: cfg.NATSPort, SyncAlways: true,
	})
	if _, taken := errors.AsType[*natsembed.PortInUseError](err); taken {
		return fmt.Errorf("%w: set MP_NATS_PORT to another port, or -1 for any free one", err)
	}
	if err != nil {
		return err
	}
	defer func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	}()
	nc, err := natsembed.Connect(ns, "motesplats-stack")
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := events.JetStream(nc)
	if err != nil {
		return err
	}
	// Each service has a keyring of its own over the one server, the
	// owner of its own key bucket (notify of none), as under make up
	// (ADR 0238); the gateway's first, which maintains the erasure log.
	keyrings := map[string]*seal.Keyring{}
	if !cfg.unsealed {
		keks, err := cfg.keks()
		if err != nil {
			return err
		}
		// Every owner's bucket first, as `stack ensure` makes them before
		// make up's services: a keyring waits for the others' (ADR 0244).
		if _, err := seal.EnsureKeyBuckets(ctx, js, 1); err != nil {
			return err
		}
		for _, name := range keyringOwners {
			k, err := seal.Open(ctx, js, service.KeyringConfig(name, keks, 1, false, log))
			if err != nil {
				return err
			}
			defer k.Close()
			keyrings[name] = k
		}
	}
	d := service.Deps{
		JS:       js,
		Verifier: auth.NewBoundVerifier(keys.verifierKeys(cfg.extraKeys), time.Now, 30*time.Second),
		Logger:   log,
	}
	if cfg.RedisURL != "" {
		rc, err := cache.NewRedisClient(cfg.RedisURL)
		if err != nil {
			return fmt.Errorf("REDIS_URL: %w", err)
		}
		defer rc.Close()
		d.Cache = cache.NewRedis(rc)
	}
	d = d.WithDefaults()
	// as is d with the keyring of the service name (nil when unsealed).
	as := func(name string) service.Deps {
		own := d
		own.Keyring = keyrings[name]
		return own
	}

	if listening == nil {
		listening = &Listening{}
	}
	listening.addrs, listening.all = map[string]string{}, make(chan struct{})
	// Every gRPC service in pkg/service, plus NATS and the gateway: counted
	// from the list so a new programme cannot start the banner early.
	parts := len(service.Known()) + 2
	natsAddr := ns.Addr()
	listening.set("nats", natsAddr, parts)

	// Notify writes the gateway's address into answer links, and the
	// gateway calls notify: the gateway's port is bound first, so neither
	// waits for the other, and nothing else can take the port before the
	// gateway serves it (a ":0" in tests is the port bound here).
	gatewayLis, err := net.Listen("tcp", cfg.Gateway.Addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("gateway: %s is taken by another program: set GATEWAY_ADDR to another address, such as 127.0.0.1:8081", cfg.Gateway.Addr)
	}
	if err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	defer gatewayLis.Close() // the gateway closes it too; this is for an early return
	gatewayAddr := gatewayLis.Addr().String()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return participants.Run(gctx, cfg.ParticipantsAddr, as("participants"), participants.Options{}, func(a net.Addr) { listening.set("participants", a, parts) })
	})
	g.Go(func() error {
		return volunteers.Run(gctx, cfg.VolunteersAddr, as("volunteers"), volunteers.Options{}, func(a net.Addr) { listening.set("volunteers", a, parts) })
	})
	g.Go(func() error {
		return mentoring.Run(gctx, cfg.MentoringAddr, as("mentoring"), cfg.Mentoring,
			func(a net.Addr) { listening.set("mentoring", a, parts) })
	})
	g.Go(func() error {
		o := cfg.Guides
		o.RulesDir = cfg.GuidesRulesDir
		return guides.Run(gctx, cfg.GuidesAddr, as("guides"), o,
			func(a net.Addr) { listening.set("guides", a, parts) })
	})
	g.Go(func() error {
		o := cfg.Dinners
		o.RulesDir = cfg.DinnersRulesDir
		return dinners.Run(gctx, cfg.DinnersAddr, as("dinners"), o,
			func(a net.Addr) { listening.set("dinners", a, parts) })
	})
	g.Go(func() error {
		// Notify reads the services, so it needs their bound addresses
		// (":0" in tests); the gateway's it asks for at each link, as the
		// gateway waits for notify's.
		o := cfg.Notify
		for _, name := range []string{"participants", "volunteers", "mentoring", "dinners", "guides"} {
			for listening.Addr(name) == "" {
				select {
				case <-gctx.Done():
					return nil
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
		o.Services.Participants, o.Services.Volunteers, o.Services.Mentoring, o.Services.Dinners, o.Services.Guides =
			listening.Addr("participants"), listening.Addr("volunteers"), listening.Addr("mentoring"),
			listening.Addr("dinners"), listening.Addr("guides")
		o.SigningKey, o.KeyID = keys.notify, notifyKeyID
		if o.LinkKey == nil && o.LinkKeyFile == "" {
			o.LinkKeyFile = filepath.Join(cfg.DataDir, "link.key")
		}
		if cfg.Gateway.PublicURL != "" {
			o.PublicURL = cfg.Gateway.PublicURL
		} else {
			o.PublicURL = "http://" + gatewayAddr
		}
		return notify.Run(gctx, cfg.NotifyAddr, as("notify"), o, func(a net.Addr) { listening.set("notify", a, parts) })
	})
	g.Go(func() error {
		// The gateway needs the services' bound addresses (":0" in tests),
		// notify's too: the answer page and the mailbox call it.
		gw := cfg.Gateway
		gw.Addr, gw.Listener = gatewayAddr, gatewayLis
		for _, name := range []string{"participants", "volunteers", "mentoring", "dinners", "guides", "notify"} {
			for listening.Addr(name) == "" {
				select {
				case <-gctx.Done():
					return nil
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
		gw.Services.Participants, gw.Services.Volunteers, gw.Services.Mentoring, gw.Services.Notify =
			listening.Addr("participants"), listening.Addr("volunteers"), listening.Addr("mentoring"), listening.Addr("notify")
		gw.Services.Dinners = listening.Addr("dinners")
		gw.Services.Guides = listening.Addr("guides")
		gw.SigningKey, gw.KeyID, gw.Out = keys.gateway, localKeyID, out
		if gw.SetupLinkFile == "" {
			// The first-run link goes next to the data, readable by the
			// operator only, not into output that may be kept.
			gw.SetupLinkFile = filepath.Join(cfg.DataDir, "setup-link")
		}
		return gateway.Run(gctx, gw, as("gateway"), func(r gateway.Running) { listening.set("gateway", r.Addr, parts) })
	})
	g.Go(func() error {
		select {
		case <-listening.all:
		case <-gctx.Done():
			return nil
		}
		fmt.Fprintf(out, "Mötesplats is up in %v (data in %s)\n", time.Since(start).Round(time.Millisecond), cfg.DataDir)
		fmt.Fprintf(out, "  nats          nats://%s\n", listening.Addr("nats"))
		if line := ignoredNATSUser(cfg.NATS); line != "" {
			fmt.Fprintln(out, line)
		}
		fmt.Fprintf(out, "  participants  %s  (grpc: motesplats.participants.v1.ParticipantService)\n", listening.Addr("participants"))
		fmt.Fprintf(out, "  volunteers    %s  (grpc: motesplats.volunteers.v1.VolunteerService)\n", listening.Addr("volunteers"))
		fmt.Fprintf(out, "  mentoring     %s  (grpc: motesplats.mentoring.v1.MentoringService)\n", listening.Addr("mentoring"))
		fmt.Fprintf(out, "  guides        %s  (grpc: motesplats.guides.v1.GuideService)\n", listening.Addr("guides"))
		fmt.Fprintf(out, "  dinners       %s  (grpc: motesplats.dinners.v1.DinnerService)\n", listening.Addr("dinners"))
		fmt.Fprintf(out, "  notify        %s  (grpc: motesplats.notify.v1.NotificationService, AnswerService)\n", listening.Addr("notify"))
		fmt.Fprintf(out, "  gateway       http://%s  (web app; Connect API motesplats.gateway.v1)\n", listening.Addr("gateway"))
		if metricsAddr != nil {
			fmt.Fprintf(out, "  metrics       http://%s%s  (Prometheus)\n", metricsAddr, telemetry.MetricsPath)
		}
		fmt.Fprintf(out, "A token for grpcurl:  TOKEN=$(make -s token)\n")
		fmt.Fprintf(out, "  grpcurl -plaintext -H \"authorization: Bearer $TOKEN\" %s list\n", listening.Addr("participants"))
		fmt.Fprintf(out, "Ctrl-C stops.\n")
		return nil
	})
	err = g.Wait()
	fmt.Fprintln(out, "stopped")
	return err
}

// portsFree tries every address the stack will listen on (metrics, the
// services, the gateway; NATS says its own) before anything starts, and
// names the first that is taken, or named twice, with the variable that
// moves it, as make up does. A taken service or metrics port said only
// "participants: listen 127.0.0.1:7001: ... bind: address already in
// use", and the README's reader had to guess the variable (outside round
// s29). Port 0 (any free port, the tests') is not tried.
func portsFree(cfg Config) error {
	var open []net.Listener
	defer func() {
		for _, l := range open {
			_ = l.Close()
		}
	}()
	for _, p := range []struct{ name, env, addr string }{
		{"metrics", "METRICS_ADDR", cfg.MetricsAddr},
		{"participants", "PARTICIPANTS_ADDR", cfg.ParticipantsAddr},
		{"volunteers", "VOLUNTEERS_ADDR", cfg.VolunteersAddr},
		{"mentoring", "MENTORING_ADDR", cfg.MentoringAddr},
		{"dinners", "DINNERS_ADDR", cfg.DinnersAddr},
		{"guides", "GUIDES_ADDR", cfg.GuidesAddr},
		{"notify", "NOTIFY_ADDR", cfg.NotifyAddr},
		{"gateway", "GATEWAY_ADDR", cfg.Gateway.Addr},
		{"notify bounces", "MP_BOUNCE_ADDR", cfg.Notify.BounceAddr},
	} {
		if p.addr == "" || p.addr == telemetry.MetricsOff {
			continue
		}
		if _, port, err := net.SplitHostPort(p.addr); err != nil || port == "0" {
			continue // a malformed address fails where it is used, with its own words
		}
		l, err := net.Listen("tcp", p.addr)
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("%s: %s is already in use (by another program, or another of the stack's addresses): set %s to another address", p.name, p.addr, p.env)
		}
		if err == nil {
			open = append(open, l)
		}
	}
	return nil
}

// ignoredNATSUser is the banner's line for NATS_USER or NATS_PASSWORD set
// for make run, whose embedded NATS takes no user (ADR 0225: loopback
// only, and the README's nats lines run as written): a reader who set them
// would otherwise think this NATS requires them (ADR 0227). "" when
// neither is set.
func ignoredNATSUser(a service.NATSAuth) string {
	if a.User == "" && a.Password == "" {
		return ""
	}
	return "                (NATS_USER and NATS_PASSWORD are not used here: this embedded NATS listens on " +
		"loopback and takes no user; they are for make up, compose and Kubernetes, ADR 0225)"
}
