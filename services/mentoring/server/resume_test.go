package server_test

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestFailedJobCountsWhatItWroteAndResumes: a job that fails after 50
// proposals (its last stored report said 25) ends failed saying 50, as
// many as ListPairs shows; starting it again with the same request id
// resumes it, and it ends with the pairs of a crash-free run, counted
// once.
func TestFailedJobCountsWhatItWroteAndResumes(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	pop := population(43, 120, 40)

	free := startEnv(t, 1, server.Options{})
	free.seed(ctx, pop)
	base := pairKeys(pairsOf(ctx, t, free.as(coordA), free.runJob(ctx, free.as(coordA), "base").GetId()))
	if len(base) <= 50 {
		t.Fatalf("crash-free run made %d proposals, want more than 50", len(base))
	}

	var broken atomic.Bool
	broken.Store(true)
	hooks := &jobs.Hooks{OnReport: func(_ jobs.Job, phase string, done int) {
		if phase == "propose" && done == 50 && broken.Load() {
			panic("injected failure after 50 proposals")
		}
	}}
	e := startEnv(t, 1, server.Options{JobHooks: hooks})
	e.seed(ctx, pop)
	c := e.as(coordA)
	req := &pb.StartMatchingJobRequest{RequestId: "resume-me", OrganisationId: orgA, MunicipalityCodes: []string{"0180", "0380"}}
	res, err := c.StartMatchingJob(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	id := res.GetJob().GetId()
	var failed *pb.Job
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		got, err := c.GetJob(ctx, &pb.GetJobRequest{Id: id})
		if err != nil {
			return err
		}
		if failed = got.GetJob(); failed.GetState() != pb.JobState_JOB_STATE_FAILED {
			return fmt.Errorf("job %s", failed.GetState())
		}
		return nil
	})
	written := pairsOf(ctx, t, c, id)
	if len(written) != 50 || failed.GetCounts().GetProposals() != 50 {
		t.Fatalf("failed job wrote %d pairs and says %d; want 50 and 50", len(written), failed.GetCounts().GetProposals())
	}

	broken.Store(false)
	again, err := c.StartMatchingJob(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if again.GetJob().GetId() != id || again.GetJob().GetState() != pb.JobState_JOB_STATE_QUEUED {
		t.Fatalf("the same request id gave %v; want job %s queued again", again.GetJob(), id)
	}
	done := e.waitJob(ctx, c, id)
	got := pairKeys(pairsOf(ctx, t, c, id))
	if !slices.Equal(got, base) || int(done.GetCounts().GetProposals()) != len(base) {
		t.Errorf("resumed job: %d pairs (counts say %d), crash-free run %d; same pairs: %v",
			len(got), done.GetCounts().GetProposals(), len(base), slices.Equal(got, base))
	}
	if done.GetAttempts() != 2 {
		t.Errorf("attempts %d, want 2", done.GetAttempts())
	}
}
