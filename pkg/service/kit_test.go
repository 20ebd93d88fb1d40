package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/service"
)

// TestProgrammeOptionsFromEnv: every programme reads the same settings
// under its own prefix, and a bad one stops OpenKit (so the service's
// Run) with the variable's name before anything is opened.
func TestProgrammeOptionsFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DINNERS_RULES_DIR": "/rules", "DINNERS_JOB_RETENTION": "720h", "DINNERS_RESULT_TTL": "48h",
		"MENTORING_RESULT_TTL": "1h"}
	o := service.ProgrammeOptionsFromEnv("DINNERS", func(k string) string { return env[k] })
	if o.RulesDir != "/rules" || o.JobRetention != 720*time.Hour || o.ResultTTL != 48*time.Hour {
		t.Errorf("options %+v", o)
	}
	for _, bad := range []string{"soon", "59m"} {
		env["DINNERS_JOB_RETENTION"] = bad
		o = service.ProgrammeOptionsFromEnv("DINNERS", func(k string) string { return env[k] })
		_, err := service.OpenKit(context.Background(), service.Deps{}, o, service.KitConfig{Name: "dinners"})
		if err == nil || !strings.Contains(err.Error(), "DINNERS_JOB_RETENTION") || !strings.HasPrefix(err.Error(), "dinners: ") {
			t.Errorf("DINNERS_JOB_RETENTION=%s: OpenKit = %v, want an error naming it", bad, err)
		}
	}
}
