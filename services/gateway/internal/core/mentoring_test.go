package core

import (
	"testing"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
)

func TestPublicJob(t *testing.T) {
	t.Parallel()
	in := &mentoringv1.Job{Id: "j1", State: mentoringv1.JobState_JOB_STATE_FAILED, ErrorMessage: "score: open /var/lib/x: permission denied"}
	got := publicJob(in)
	if got.GetErrorMessage() != JobFailed {
		t.Errorf("error message %q, want %q", got.GetErrorMessage(), JobFailed)
	}
	if in.GetErrorMessage() == JobFailed {
		t.Error("publicJob changed the job it was given")
	}
	ok := &mentoringv1.Job{Id: "j2", State: mentoringv1.JobState_JOB_STATE_SUCCEEDED}
	if publicJob(ok) != ok {
		t.Error("a job without an error was copied")
	}
}
