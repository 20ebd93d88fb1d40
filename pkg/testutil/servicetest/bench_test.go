package servicetest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestSnapshotSize: as sampler and processor, SnapshotSize keeps the
// jobs.snapshot span's size and records no other span (the job's other
// spans cost a benchmark nothing).
func TestSnapshotSize(t *testing.T) {
	t.Parallel()
	size := &servicetest.SnapshotSize{}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(size), sdktrace.WithSpanProcessor(size))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tr := tp.Tracer("test")
	_, other := tr.Start(context.Background(), "jobs.solve")
	if other.IsRecording() {
		t.Error("jobs.solve is recorded; want only jobs.snapshot")
	}
	other.SetAttributes(attribute.Int("jobs.snapshot.bytes", 7))
	other.End()
	if got := size.Bytes(); got != 0 {
		t.Errorf("after another span: %d bytes, want 0", got)
	}
	_, snap := tr.Start(context.Background(), "jobs.snapshot")
	snap.SetAttributes(attribute.Int("jobs.snapshot.bytes", 4096))
	snap.End()
	if got := size.Bytes(); got != 4096 {
		t.Errorf("after jobs.snapshot: %d bytes, want 4096", got)
	}
}

// TestProcessCPU: the process's CPU time grows with work it does (0
// throughout, as a failed getrusage gives, fails).
func TestProcessCPU(t *testing.T) {
	before := servicetest.ProcessCPU()
	sum := 0
	testutil.CheckFor(t, 10*time.Second, time.Millisecond, func() error {
		for i := range 1_000_000 {
			sum += i % 7
		}
		if after := servicetest.ProcessCPU(); after <= before {
			return fmt.Errorf("CPU time %v after work (%d), %v before", after, sum, before)
		}
		return nil
	})
}
