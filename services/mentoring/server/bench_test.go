package server_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
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
// without one, everything in clear.
func BenchmarkJobDemo(b *testing.B) {
	for _, sealed := range []bool{false, true} {
		b.Run(map[bool]string{false: "bare", true: "sealed"}[sealed], func(b *testing.B) { benchJobDemo(b, sealed) })
	}
}

func benchJobDemo(b *testing.B, sealed bool) {
	ctx := context.Background()
	p := population(11, 2000, 600)
	var proposals int32
	var cpu, seed, seedCPUs time.Duration
	for b.Loop() {
		b.StopTimer()
		e := startEnvSealed(b, 1, server.Options{}, sealed)
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
		seedStart, seedCPU := time.Now(), cpuTime(b)
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
		seedCPUs += cpuTime(b) - seedCPU
		c := e.as(admin)
		before := cpuTime(b)
		b.StartTimer()
		job := e.runJob(ctx, c, "bench")
		b.StopTimer()
		cpu += cpuTime(b) - before
		b.StartTimer()
		proposals = job.GetCounts().GetProposals()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/job")
	b.ReportMetric(seed.Seconds()/float64(b.N), "seed-s")
	b.ReportMetric(seedCPUs.Seconds()/float64(b.N), "seed-cpu-s")
	if proposals == 0 {
		b.Fatal("the job proposed nothing")
	}
	b.ReportMetric(float64(proposals), "proposals/job")
}

// cpuTime is the process's CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
