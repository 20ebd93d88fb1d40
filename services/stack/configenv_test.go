package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestConfigRefusesBadValues: every bad value `make run` reads is refused
// before anything starts, in one line naming the variable, the problem and
// the accepted form (ADR 0186). MP_NATS_PORT=4222x and GOGC=400x were
// read as 4222 and 400 (fmt.Sscanf stops at the first non-digit), a bad
// MP_DATA_KEY was found after the embedded NATS had started.
func TestConfigRefusesBadValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(keyFile, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, value string }{
		{"MP_NATS_PORT", "4222x"}, {"MP_NATS_PORT", "70000"}, {"MP_NATS_PORT", "-2"},
		{"GOGC", "400x"}, {"GOGC", "0"}, {"GOGC", "-5"},
		{"LOG_LEVEL", "loud"},
		{"PARTICIPANTS_ADDR", "127.0.0.1:70000"}, {"GUIDES_ADDR", "abc"}, {"GATEWAY_ADDR", ":http-alt"},
		{"METRICS_ADDR", "9000"}, {"REDIS_URL", "localhost:6379"}, {"OTEL_EXPORTER_OTLP_ENDPOINT", "collector"},
		{"MP_DATA_KEY", "abc"}, {"MP_DATA_KEY_OLD", "abc"}, {"MP_DATA_KEY_FILE", filepath.Join(dir, "missing")},
		{"MP_DATA_KEY_FILE", keyFile},
		{"MENTORING_RESULT_TTL", "30d"}, {"DINNERS_JOB_RETENTION", "-1h"}, {"GUIDES_RESULT_TTL", "0"},
		{"MP_PUBLIC_URL", "localhost:8080"}, {"MP_QUIET_TZ", "Sweden"}, {"MP_SESSION_TTL", "8"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := configFromEnv(func(k string) string { return map[string]string{tt.name: tt.value}[k] })
			testutil.MustRefuse(t, err, tt.name)
		})
	}
}
