package server_test

import (
	"context"
	"testing"
)

// BenchmarkCityJob times one city-scale matching job, from
// StartMatchingJob to success: 2,000 guest parties (sizes 1 to 5) and 400
// dinners over eight weeks (50 hosts, one dinner a week each) in one
// organisation's two municipalities: snapshot, build, the household-mode
// solve, verify, explain, every seating written and the result stored.
// Loading the city is not timed. It reports the seatings, the objective's
// gap to the engine's proven bound in parts per million.
func BenchmarkCityJob(b *testing.B) {
	ctx := context.Background()
	c := newCity(21, 2000, 50, 8)
	var proposals int32
	var gap int64
	for b.Loop() {
		b.StopTimer()
		e := startEnv(b, 1, serverOptions())
		e.load(ctx, c)
		cl := e.as(admin)
		b.StartTimer()
		job := e.runJob(ctx, cl, "bench", "0180", "0184")
		proposals, gap = job.GetCounts().GetProposals(), job.GetGapPpm()
		if job.GetCounts().GetDinners() != 400 || job.GetCounts().GetParties() != 2000 {
			b.Fatalf("job input: %v", job.GetCounts())
		}
	}
	if proposals == 0 {
		b.Fatal("the job seated nobody")
	}
	b.ReportMetric(float64(proposals), "seatings/job")
	b.ReportMetric(float64(gap), "gap_ppm")
}
