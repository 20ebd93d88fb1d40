package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/envvar"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/telemetry"

	"github.com/motesplats/motesplats/pkg/service"
	gateway "github.com/motesplats/motesplats/services/gateway/server"
	mentoring "github.com/motesplats/motesplats/services/mentoring/server"
	notify "github.com/motesplats/motesplats/services/notify/server"
)

// Config is the stack's configuration, from the environment only.
type Config struct {
	// DataDir holds the JetStream store and the local signing key
	// (MP_DATA_DIR, default ./data).
	DataDir string
	// NATSHost and NATSPort are where the embedded NATS listens (port from
	// MP_NATS_PORT, default 4222), so natscli and separate services can
	// join. It has no authentication: it listens on loopback only.
	NATSHost string
	NATSPort int
	// NATS is the user and password the tools (seed, latency, rewrap)
	// connect with (NATS_USER, NATS_PASSWORD): a deployment's NATS
	// requires them (ADR 0225); the embedded one does not.
	NATS service.NATSAuth
	// Replicas is MP_REPLICAS, read by `stack ensure` alone: the replicas
	// of the key buckets it makes, the services' own (ADR 0244).
	Replicas int
	// KeyBuckets is MP_KEY_BUCKETS, read by `stack seed` alone and as a
	// service reads it (service.KeyBucketsFrom): give the seed the
	// gateway's setting, so that the demo accounts' keys go where that
	// gateway creates and reads its own (ADR 0238, 0252). make run's
	// services always use their own buckets: nothing older runs beside
	// them.
	KeyBuckets string
	// Service addresses (PARTICIPANTS_ADDR, VOLUNTEERS_ADDR).
	ParticipantsAddr string
	VolunteersAddr   string
	// MentoringAddr (MENTORING_ADDR) and MentoringRulesDir
	// (MENTORING_RULES_DIR: per-organisation rule files; empty uses the
	// built-in default).
	MentoringAddr     string
	MentoringRulesDir string
	// DinnersAddr (DINNERS_ADDR) and DinnersRulesDir (DINNERS_RULES_DIR),
	// the same for the dinner-host programme.
	DinnersAddr     string
	DinnersRulesDir string
	// Mentoring is the mentoring service's own settings, from its
	// variables (MENTORING_JOB_RETENTION, MENTORING_RESULT_TTL; see
	// services/mentoring/README.md) and MentoringRulesDir.
	Mentoring mentoring.Options
	// Dinners and Guides are those programmes' own settings, read as
	// mentoring's under their prefixes (DINNERS_JOB_RETENTION,
	// GUIDES_RESULT_TTL, ...; service.ProgrammeOptionsFromEnv); their
	// rules directories are DinnersRulesDir and GuidesRulesDir.
	Dinners, Guides service.ProgrammeOptions
	// GuidesAddr (GUIDES_ADDR) and GuidesRulesDir (GUIDES_RULES_DIR:
	// eligibility and assignment rule files; empty uses the built-in one).
	GuidesAddr     string
	GuidesRulesDir string
	// NotifyAddr (NOTIFY_ADDR) and Notify, the notify service's own
	// settings (MP_SMTP_URL, MP_SMS_URL, MP_WEBHOOK_URL, MP_LINK_KEY, ...;
	// see services/notify/README.md). With none of the channels set,
	// messages go to the development mailbox. The stack fills in its
	// signing key, data/link.key and the services' bound addresses.
	NotifyAddr string
	Notify     notify.Options
	// OperatorSigningKey (MP_OPERATOR_SIGNING_KEY) is the operators' own
	// key: token, seed, load and latency sign with it against separately
	// run services, under OperatorKeyID (MP_OPERATOR_SIGNING_KEY_ID,
	// default "operator"); the services' MP_PUBLIC_KEYS bind it to
	// people's roles only (ADR 0217). Unset, the tools read the stack's
	// OperatorKeyPath.
	OperatorSigningKey, OperatorKeyID string
	// SigningKey (MP_SIGNING_KEY, key id SigningKeyID from
	// MP_SIGNING_KEY_ID, default "local") is the gateway's key. The tools
	// sign with it only when OperatorSigningKey is not set, with a
	// warning: the form before ADR 0217, for one release.
	SigningKey, SigningKeyID string
	// Gateway is the web app's configuration (GATEWAY_ADDR, MP_ADMIN_EMAIL,
	// MP_ADMIN_PASSWORD, ...; see services/gateway/README.md). The stack
	// fills in the service addresses and its signing key.
	Gateway gateway.Config
	// RedisURL switches the cache to Redis (REDIS_URL).
	RedisURL string
	// OTLPEndpoint exports traces and metrics (OTEL_EXPORTER_OTLP_ENDPOINT).
	OTLPEndpoint string
	// MetricsAddr serves Prometheus /metrics for the whole process
	// (METRICS_ADDR, default 127.0.0.1:9000; "off" serves none).
	MetricsAddr string
	LogLevel    slog.Level
	// GCPercent is the garbage collector's target (GOGC; default
	// defaultGCPercent, -1 for "off"). One process holds the NATS server,
	// every service and their consumers, whose garbage is short-lived
	// messages: a higher target collects less often for a few hundred MB
	// more heap (docs/adr/0013). Set GOGC=100 for Go's own default.
	GCPercent int
	// DataKey is the key-encryption key of personal data (MP_DATA_KEY,
	// base64 of 32 bytes, or MP_DATA_KEY_FILE); empty uses (and creates)
	// DataKeyPath. DataKeyOld (MP_DATA_KEY_OLD) lists earlier keys during
	// a rotation.
	DataKey, DataKeyOld string
	// unsealed stores personal data in clear: only the planted-value test
	// sets it, to prove that it can see what sealing hides. logs and spans
	// capture the stack's logs and spans in tests.
	unsealed bool
	// extraKeys are verifier keys a test adds beside the stack's own, each
	// with its binding: a key of a service that signs nothing today
	// (mentoring's), to show what its tokens may call (ADR 0210).
	extraKeys map[string]auth.BoundKey
	logs      io.Writer
	spans     sdktrace.SpanExporter
}

// DataKeyPath is where the stack keeps its generated data key (0600).
// Back it up apart from the JetStream files: without it no sealed record
// can be read, and with both together an erased person's data still
// cannot (their key is shredded), but every other person's can.
func (c Config) DataKeyPath() string { return filepath.Join(c.DataDir, "data.key") }

// keks returns the configured key-encryption keys, creating the stack's
// key file when none is configured.
func (c Config) keks() ([]seal.KEK, error) {
	var cur seal.KEK
	var err error
	if c.DataKey == "" {
		cur, err = seal.LoadOrCreateKeyFile(c.DataKeyPath())
	} else {
		cur, err = seal.ParseKEK(c.DataKey)
	}
	if err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	old, err := seal.OldKEKs(c.DataKeyOld)
	if err != nil {
		return nil, err
	}
	return append([]seal.KEK{cur}, old...), nil
}

// SigningKeyPath is where the stack keeps the gateway's token-signing key
// (people's roles and the gateway's own service subject). No tool reads
// it: they have OperatorKeyPath (ADR 0217).
func (c Config) SigningKeyPath() string { return filepath.Join(c.DataDir, "signing.key") }

// OperatorKeyPath is where the stack keeps the operators' key (0600),
// which token, seed, load and latency sign with, bound to people's roles
// only (ADR 0217).
func (c Config) OperatorKeyPath() string { return filepath.Join(c.DataDir, "operator.key") }

// NotifyKeyPath is where the stack keeps notify's signing key (0600),
// bound to notify's own service subjects only (ADR 0210).
func (c Config) NotifyKeyPath() string { return filepath.Join(c.DataDir, "notify.key") }

// configFromEnv reads the stack's configuration. Every bad value is
// refused, one line each naming its variable (envvar.Error), before
// anything starts; an empty one is the default (ADR 0186).
func configFromEnv(getenv func(string) string) (Config, error) {
	e := envvar.New(getenv)
	addr := func(i service.Info) string { return e.Addr(i.Env, i.Addr, "") }
	c := Config{
		DataDir:            or(e.Getenv("MP_DATA_DIR"), "data"),
		NATSHost:           "127.0.0.1",
		NATSPort:           e.Int("MP_NATS_PORT", 4222, -1, 65535),
		NATS:               service.NATSAuthFrom(e),
		Replicas:           e.Int("MP_REPLICAS", 1, 1, 5),
		KeyBuckets:         service.KeyBucketsFrom(e),
		ParticipantsAddr:   addr(service.Participants),
		VolunteersAddr:     addr(service.Volunteers),
		MentoringAddr:      addr(service.Mentoring),
		MentoringRulesDir:  e.Getenv("MENTORING_RULES_DIR"),
		GuidesAddr:         addr(service.Guides),
		GuidesRulesDir:     e.Getenv("GUIDES_RULES_DIR"),
		DinnersAddr:        addr(service.Dinners),
		DinnersRulesDir:    e.Getenv("DINNERS_RULES_DIR"),
		NotifyAddr:         addr(service.Notify),
		RedisURL:           e.URL("REDIS_URL", "", true, "redis", "rediss"),
		SigningKey:         e.Getenv("MP_SIGNING_KEY"),
		SigningKeyID:       or(e.Getenv("MP_SIGNING_KEY_ID"), localKeyID),
		OperatorSigningKey: e.Getenv("MP_OPERATOR_SIGNING_KEY"),
		OperatorKeyID:      or(e.Getenv("MP_OPERATOR_SIGNING_KEY_ID"), operatorKeyID),
		OTLPEndpoint:       service.OTLPEndpointFrom(e),
		MetricsAddr:        e.Addr(service.MetricsEnv, service.DefaultMetricsAddr("stack"), telemetry.MetricsOff),
		LogLevel:           service.LogLevelFrom(e),
		DataKey:            e.Getenv("MP_DATA_KEY"),
		DataKeyOld:         e.Getenv("MP_DATA_KEY_OLD"),
		GCPercent:          defaultGCPercent,
	}
	if s := strings.TrimSpace(e.Getenv("GOGC")); s == "off" {
		c.GCPercent = -1
	} else {
		c.GCPercent = e.Int("GOGC", defaultGCPercent, 1, 100_000)
	}
	errs := []error{e.Err()}
	// The data keys are checked as a separate service's are, now rather
	// than after NATS has started; the stack creates its own key file
	// only when neither MP_DATA_KEY nor MP_DATA_KEY_FILE is set.
	if file := getenv("MP_DATA_KEY_FILE"); c.DataKey != "" || file != "" {
		if _, err := seal.KEKsFromEnv(getenv); err != nil {
			errs = append(errs, err)
		} else if c.DataKey == "" {
			c.DataKey, _ = seal.ReadKeyFile(file)
		}
	} else if _, err := seal.OldKEKs(c.DataKeyOld); err != nil {
		errs = append(errs, err)
	}
	var err error
	c.Mentoring, err = mentoring.OptionsFromEnv(getenv)
	errs = append(errs, err)
	c.Mentoring.RulesDir = c.MentoringRulesDir
	c.Dinners, err = service.ProgrammeOptionsFromEnv("DINNERS", getenv)
	errs = append(errs, err)
	c.Guides, err = service.ProgrammeOptionsFromEnv("GUIDES", getenv)
	errs = append(errs, err)
	c.Gateway, err = gateway.ConfigFromEnv(getenv)
	errs = append(errs, err)
	c.Notify, err = notify.OptionsFromEnv(getenv)
	errs = append(errs, err)
	return c, errors.Join(errs...)
}

// defaultGCPercent is the embedded stack's GOGC: the collector's mark
// work per create fell from 7% of the stack's CPU at Go's 100 to 2% at
// 400 in `make load` (docs/adr/0013).
const defaultGCPercent = 400

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
