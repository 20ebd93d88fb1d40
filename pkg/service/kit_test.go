package service_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestProgrammeOptionsFromEnv: every programme reads the same settings
// under its own prefix, and a bad one is refused with the variable's
// name, the problem in words and the accepted form (it used to be found
// only by OpenKit, after NATS was joined).
func TestProgrammeOptionsFromEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"DINNERS_RULES_DIR": dir, "DINNERS_JOB_RETENTION": "720h", "DINNERS_RESULT_TTL": "48h",
		"MENTORING_RESULT_TTL": "1h"}
	o, err := service.ProgrammeOptionsFromEnv("DINNERS", func(k string) string { return env[k] })
	if err != nil || o.RulesDir != dir || o.JobRetention != 720*time.Hour || o.ResultTTL != 48*time.Hour {
		t.Errorf("options %+v, %v", o, err)
	}
	if o, err := service.ProgrammeOptionsFromEnv("DINNERS", func(string) string { return "" }); err != nil || o.JobRetention != 0 || o.ResultTTL != 0 {
		t.Errorf("empty: %+v, %v; want the defaults", o, err)
	}
	for _, tt := range []struct{ name, value string }{
		{"DINNERS_JOB_RETENTION", "soon"}, {"DINNERS_JOB_RETENTION", "59m"}, {"DINNERS_RESULT_TTL", "30d"},
		{"DINNERS_RESULT_TTL", "-48h"}, {"DINNERS_RESULT_TTL", "0"}, {"DINNERS_RESULT_TTL", "1000000h"},
		{"DINNERS_JOB_RETENTION", "2160"}, {"DINNERS_RULES_DIR", dir + "/missing"},
	} {
		_, err := service.ProgrammeOptionsFromEnv("DINNERS", func(k string) string { return map[string]string{tt.name: tt.value}[k] })
		testutil.MustRefuse(t, err, tt.name)
	}
}
