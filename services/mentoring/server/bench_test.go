package server_test

import (
	"context"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// BenchmarkJobDemo times one matching job, from StartMatchingJob to
// success, on a demo-sized pool (2,000 newcomers, 600 mentors in one
// organisation's two municipalities): snapshot, build, solve, verify,
// explain, the proposals written and the result stored. Seeding the pool
// is not timed.
func BenchmarkJobDemo(b *testing.B) {
	ctx := context.Background()
	p := population(11, 2000, 600)
	var proposals int32
	for b.Loop() {
		b.StopTimer()
		e := startEnv(b, 1, server.Options{})
		e.seed(ctx, p)
		c := e.as(admin)
		b.StartTimer()
		job := e.runJob(ctx, c, "bench")
		proposals = job.GetCounts().GetProposals()
	}
	if proposals == 0 {
		b.Fatal("the job proposed nothing")
	}
	b.ReportMetric(float64(proposals), "proposals/job")
}

var _ = pb.JobState_JOB_STATE_SUCCEEDED
