package main

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/motesplats/motesplats/pkg/service"
	gateway "github.com/motesplats/motesplats/services/gateway/server"
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
	// SigningKey (MP_SIGNING_KEY) mints tokens for token, seed and latency
	// against separately run services; the stack itself uses its key file.
	SigningKey string
	// Gateway is the web app's configuration (GATEWAY_ADDR, MP_ADMIN_EMAIL,
	// MP_ADMIN_PASSWORD, ...; see services/gateway/README.md). The stack
	// fills in the service addresses and its signing key.
	Gateway gateway.Config
	// RedisURL switches the cache to Redis (REDIS_URL).
	RedisURL string
	// OTLPEndpoint exports traces and metrics (OTEL_EXPORTER_OTLP_ENDPOINT).
	OTLPEndpoint string
	LogLevel     slog.Level
}

// SigningKeyPath is where the stack keeps its local token-signing key.
func (c Config) SigningKeyPath() string { return filepath.Join(c.DataDir, "signing.key") }

func configFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DataDir:           or(getenv("MP_DATA_DIR"), "data"),
		NATSHost:          "127.0.0.1",
		NATSPort:          4222,
		ParticipantsAddr:  service.Participants.AddrFrom(getenv),
		VolunteersAddr:    service.Volunteers.AddrFrom(getenv),
		MentoringAddr:     service.Mentoring.AddrFrom(getenv),
		MentoringRulesDir: getenv("MENTORING_RULES_DIR"),
		DinnersAddr:       service.Dinners.AddrFrom(getenv),
		DinnersRulesDir:   getenv("DINNERS_RULES_DIR"),
		RedisURL:          getenv("REDIS_URL"),
		SigningKey:        getenv("MP_SIGNING_KEY"),
		OTLPEndpoint:      getenv("OTEL_EXPORTER_OTLP_ENDPOINT"),
	}
	gw, err := gateway.ConfigFromEnv(getenv)
	if err != nil {
		return c, err
	}
	c.Gateway = gw
	if s := getenv("MP_NATS_PORT"); s != "" {
		if _, err := fmt.Sscanf(s, "%d", &c.NATSPort); err != nil || c.NATSPort < -1 || c.NATSPort > 65535 {
			return c, fmt.Errorf("MP_NATS_PORT: want a port number, or -1 for any free port")
		}
	}
	if s := getenv("LOG_LEVEL"); s != "" {
		if err := c.LogLevel.UnmarshalText([]byte(s)); err != nil {
			return c, fmt.Errorf("LOG_LEVEL: %w", err)
		}
	}
	return c, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
