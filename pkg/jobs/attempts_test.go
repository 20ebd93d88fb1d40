package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAttemptsCountedFromZero: an opened manager serves jobs.attempts at 0
// for every outcome of its kind, and a failed job's attempts add to
// "failed". The alerts JobsFailing and JobsRetrying count with increase(),
// which saw nothing of the first failed job of a process on the histogram
// jobs_run_duration_seconds_count, whose series appeared at 1 (ADR 0193).
func TestAttemptsCountedFromZero(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "zero", AckWait: time.Second, MaxAttempts: 1, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	for _, o := range []string{"succeeded", "failed", "retry", "lost", "shutdown"} {
		if got := testutil.Int64Sum(t, reader, "jobs.attempts", "jobs.kind", "zero", "jobs.outcome", o); got != 0 {
			t.Errorf("jobs.attempts{jobs.outcome=%q} = %d before any job, want 0 (-1: not served)", o, got)
		}
	}
	runIn(t, m, func(context.Context, *jobs.Run) error { return jobs.Permanent(context.Canceled) })
	j, err := m.Submit(ctx, "req", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, m, j.ID, jobs.Failed)
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if got := testutil.Int64Sum(t, reader, "jobs.attempts", "jobs.kind", "zero", "jobs.outcome", "failed"); got != 1 {
			return fmt.Errorf("failed attempts %d, want 1", got)
		}
		return nil
	})
}
