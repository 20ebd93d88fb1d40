package server_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestOptionsFromEnv: the settings are read as durations, an empty one is
// the default, and a bad one is refused at start in one line naming the
// variable, the problem and the accepted form (ADR 0186); it used to be
// found only once Run had joined NATS.
func TestOptionsFromEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"GUIDES_RULES_DIR": dir, "GUIDES_JOB_RETENTION": "720h", "GUIDES_RESULT_TTL": "48h"}
	o, err := server.OptionsFromEnv(func(k string) string { return env[k] })
	if err != nil || o.RulesDir != dir || o.JobRetention != 720*time.Hour || o.ResultTTL != 48*time.Hour {
		t.Errorf("options %+v, %v", o, err)
	}
	if o, err := server.OptionsFromEnv(func(string) string { return "" }); err != nil || o.RulesDir != "" || o.JobRetention != 0 || o.ResultTTL != 0 {
		t.Errorf("empty: %+v, %v; want the defaults", o, err)
	}
	for _, tt := range []struct{ name, value string }{
		{"GUIDES_RESULT_TTL", "abc"}, {"GUIDES_RESULT_TTL", "10m"}, {"GUIDES_RESULT_TTL", "-1h"}, {"GUIDES_RESULT_TTL", "30d"},
		{"GUIDES_RESULT_TTL", "99999999h"}, {"GUIDES_JOB_RETENTION", "0"}, {"GUIDES_JOB_RETENTION", "2160"},
		{"GUIDES_RULES_DIR", dir + "/nowhere"},
	} {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := server.OptionsFromEnv(func(k string) string { return map[string]string{tt.name: tt.value}[k] })
			testutil.MustRefuse(t, err, tt.name)
		})
	}
}
