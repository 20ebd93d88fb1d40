package server_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/dinners/server"
)

// TestOptionsFromEnv: dinners reads the programme settings under its own
// prefix, and another programme's (bad here) are not its own. Every bad
// value a programme's settings refuse is in pkg/service's
// TestProgrammeOptionsFromEnv (ADR 0186).
func TestOptionsFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DINNERS_RESULT_TTL": "48h", "GUIDES_RESULT_TTL": "abc", "MENTORING_RESULT_TTL": "abc"}
	if o, err := server.OptionsFromEnv(func(k string) string { return env[k] }); err != nil || o.ResultTTL != 48*time.Hour {
		t.Errorf("options %+v, %v; want DINNERS_RESULT_TTL's 48h and nothing refused", o, err)
	}
	_, err := server.OptionsFromEnv(func(k string) string { return map[string]string{"DINNERS_JOB_RETENTION": "0"}[k] })
	testutil.MustRefuse(t, err, "DINNERS_JOB_RETENTION")
}
