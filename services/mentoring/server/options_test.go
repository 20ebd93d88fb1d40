package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestOptionsFromEnv: retention settings are read as durations, and a bad
// one stops the service with the variable's name.
func TestOptionsFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"MENTORING_RULES_DIR": "/rules", "MENTORING_JOB_RETENTION": "720h", "MENTORING_RESULT_TTL": "48h"}
	o := server.OptionsFromEnv(func(k string) string { return env[k] })
	if o.RulesDir != "/rules" || o.JobRetention != 720*time.Hour || o.ResultTTL != 48*time.Hour {
		t.Errorf("options %+v", o)
	}
	for _, bad := range []string{"soon", "10m"} {
		env["MENTORING_RESULT_TTL"] = bad
		o = server.OptionsFromEnv(func(k string) string { return env[k] })
		err := server.Run(context.Background(), "127.0.0.1:0", service.Deps{}, o, nil)
		if err == nil || !strings.Contains(err.Error(), "MENTORING_RESULT_TTL") {
			t.Errorf("MENTORING_RESULT_TTL=%s: Run = %v, want an error naming it", bad, err)
		}
	}
}
