package web

import (
	"strings"
	"testing"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// TestFailedJobShowsNoInternals: a failed job's fragment says, in the
// user's language, that it failed, and never shows the service's error.
func TestFailedJobShowsNoInternals(t *testing.T) {
	t.Parallel()
	w, err := New(&core.Gateway{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	j := &mentoringv1.Job{Id: "j1", State: mentoringv1.JobState_JOB_STATE_FAILED, ErrorMessage: "load pool: dial tcp 10.1.2.3:4222: connection refused"}
	var b strings.Builder
	if err := w.tpl["sv"]["matching"].ExecuteTemplate(&b, "job", newJobView(j)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "dial tcp") {
		t.Errorf("fragment shows the internal error:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "Körningen misslyckades") {
		t.Errorf("fragment lacks the Swedish failure message:\n%s", b.String())
	}
	if strings.Contains(b.String(), "hx-get") {
		t.Error("a failed job's progress bar keeps polling")
	}
}
