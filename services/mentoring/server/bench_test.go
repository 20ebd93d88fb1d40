package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// BenchmarkJobDemo times one matching job, from StartMatchingJob to
// success, on a demo-sized pool (2,000 newcomers, 600 mentors in one
// organisation's two municipalities): snapshot, build, solve, verify,
// explain, the proposals written and the result stored. Seeding the pool
// is not timed; seed-s and seed-cpu-s say what it took. cpu-s/job is the
// process's CPU time (user and system, the embedded NATS included) during
// the job: wall time on a shared machine follows the load, CPU time much
// less. "sealed" runs with a keyring, as production does (pairs, events
// and job data sealed; every person's data key made beforehand, as the
// participants and volunteers services make it at registration); "bare"
// without one, everything in clear. It reports the snapshot's size in
// bytes (the jobs.snapshot span's figure) and the newcomers left out.
func BenchmarkJobDemo(b *testing.B) {
	for _, sealed := range []bool{false, true} {
		b.Run(map[bool]string{false: "bare", true: "sealed"}[sealed], func(b *testing.B) { benchJobDemo(b, sealed, false) })
	}
}

// BenchmarkJobDemoAgain times the demo pool's second job, run after the
// first one's proposals took most mentors' slots (the first is not
// timed): the newcomers still waiting against mentors who are mostly
// full. Full mentors stay in its snapshot with no free slot (ADR 0169),
// so this is where the snapshot grows; it reports what BenchmarkJobDemo
// does, with the left-out newcomers by reason (full: the mentors who fit
// have no free slot; none: no mentor fits).
func BenchmarkJobDemoAgain(b *testing.B) {
	for _, sealed := range []bool{false, true} {
		b.Run(map[bool]string{false: "bare", true: "sealed"}[sealed], func(b *testing.B) { benchJobDemo(b, sealed, true) })
	}
}

func benchJobDemo(b *testing.B, sealed, again bool) {
	ctx := context.Background()
	p := population(11, 2000, 600)
	var proposals, unmatched int32
	var reasons map[pb.UnmatchedReason]int
	var cpu, seed, seedCPUs time.Duration
	size := &servicetest.SnapshotSize{}
	o := server.Options{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSampler(size), sdktrace.WithSpanProcessor(size))}
	for b.Loop() {
		b.StopTimer()
		e := startEnvSealed(b, 1, o, sealed)
		if e.kr != nil {
			for _, n := range p.newcomers {
				if err := e.kr.Prepare(ctx, n.GetParticipantId()); err != nil {
					b.Fatal(err)
				}
			}
			for _, m := range p.mentors {
				if err := e.kr.Prepare(ctx, m.GetVolunteerId()); err != nil {
					b.Fatal(err)
				}
			}
		}
		seedStart, seedCPU := time.Now(), servicetest.ProcessCPU()
		// Seeded as e.seed does, with room for a loaded machine.
		e.publishAll(ctx, registrations(b, p))
		testutil.CheckFor(b, 2*time.Minute, 100*time.Millisecond, func() error {
			if n, m := e.pools.Records(0, "mentoring_newcomers"), e.pools.Records(0, "mentoring_mentors"); len(n) != len(p.newcomers) || len(m) != len(p.mentors) {
				return fmt.Errorf("pool has %d newcomers and %d mentors", len(n), len(m))
			}
			return nil
		})
		settled(ctx, b, e)
		seed += time.Since(seedStart)
		seedCPUs += servicetest.ProcessCPU() - seedCPU
		c := e.as(admin)
		if again {
			e.runJob(ctx, c, "bench-first")
		}
		before := servicetest.ProcessCPU()
		b.StartTimer()
		job := e.runJob(ctx, c, "bench")
		b.StopTimer()
		cpu += servicetest.ProcessCPU() - before
		proposals, unmatched = job.GetCounts().GetProposals(), job.GetCounts().GetUnmatched()
		reasons = reasonCounts(ctx, b, c, job.GetId())
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/job")
	b.ReportMetric(seed.Seconds()/float64(b.N), "seed-s")
	b.ReportMetric(seedCPUs.Seconds()/float64(b.N), "seed-cpu-s")
	// The first job fills most mentors; the second need not propose
	// anything, but it must explain everyone it leaves out.
	if (!again && proposals == 0) || (again && unmatched == 0) {
		b.Fatalf("the job proposed %d and left %d out", proposals, unmatched)
	}
	b.ReportMetric(float64(proposals), "proposals/job")
	b.ReportMetric(float64(unmatched), "unmatched/job")
	b.ReportMetric(float64(reasons[pb.UnmatchedReason_UNMATCHED_REASON_MENTORS_FULL]), "full/job")
	b.ReportMetric(float64(reasons[pb.UnmatchedReason_UNMATCHED_REASON_NO_ELIGIBLE_MENTOR]), "none/job")
	b.ReportMetric(float64(size.Bytes()), "snapshot_bytes")
}

// reasonCounts counts the newcomers job id left out, by reason.
func reasonCounts(ctx context.Context, b *testing.B, c pb.MentoringServiceClient, id string) map[pb.UnmatchedReason]int {
	out := map[pb.UnmatchedReason]int{}
	for tok := ""; ; {
		res, err := c.ListUnmatched(ctx, &pb.ListUnmatchedRequest{JobId: id, PageSize: 500, PageToken: tok})
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range res.GetUnmatched() {
			out[u.GetReason()]++
		}
		if tok = res.GetNextPageToken(); tok == "" {
			return out
		}
	}
}
