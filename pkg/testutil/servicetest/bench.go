package servicetest

import (
	"context"
	"sync/atomic"
	"syscall"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// The programmes' job benchmarks (dinners' city job, mentoring's demo
// job, guides' national job) measure the same two things; each had its
// own copy of how (ADR 0253).

// SnapshotSize keeps the jobs.snapshot span's jobs.snapshot.bytes, the
// size of the snapshot a job stored (pkg/jobs). As a benchmark's sampler
// it records that span alone, so tracing costs the job nothing else; as
// its span processor it reads the figure:
//
//	size := &servicetest.SnapshotSize{}
//	o.TracerProvider = sdktrace.NewTracerProvider(sdktrace.WithSampler(size), sdktrace.WithSpanProcessor(size))
type SnapshotSize struct{ bytes atomic.Int64 }

var (
	_ sdktrace.Sampler       = (*SnapshotSize)(nil)
	_ sdktrace.SpanProcessor = (*SnapshotSize)(nil)
)

// Bytes is the size of the last snapshot stored, 0 before the first.
func (s *SnapshotSize) Bytes() int64 { return s.bytes.Load() }

// ShouldSample records jobs.snapshot spans and drops every other.
func (s *SnapshotSize) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	if p.Name == "jobs.snapshot" {
		return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
	}
	return sdktrace.SamplingResult{Decision: sdktrace.Drop}
}

// Description names the sampler.
func (s *SnapshotSize) Description() string { return "jobs.snapshot only" }

// OnStart does nothing: the figure is set when the span ends.
func (s *SnapshotSize) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd keeps a span's jobs.snapshot.bytes, if it has one.
func (s *SnapshotSize) OnEnd(sp sdktrace.ReadOnlySpan) {
	for _, a := range sp.Attributes() {
		if a.Key == "jobs.snapshot.bytes" {
			s.bytes.Store(a.Value.AsInt64())
		}
	}
}

// Shutdown does nothing.
func (s *SnapshotSize) Shutdown(context.Context) error { return nil }

// ForceFlush does nothing: nothing is buffered.
func (s *SnapshotSize) ForceFlush(context.Context) error { return nil }

// ProcessCPU is the user plus system CPU time the process has used so far
// (0 where getrusage fails). A benchmark's process holds the embedded NATS
// server too, so a difference of two is everything the work between them
// cost on this machine, fsyncs included: on a loaded machine it says what
// the wall time cannot.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
