package jobs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRunTelemetry: an attempt is one span, parent of the job's own spans,
// and records its duration and, on success, the job's counts as sizes.
func TestRunTelemetry(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "tele", AckWait: time.Second, TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	runIn(t, m, func(ctx context.Context, r *jobs.Run) error {
		_, child := tp.Tracer("test").Start(ctx, "inner")
		child.End()
		return r.Report(ctx, jobs.Progress{Phase: "work", Counts: map[string]int64{"proposals": 7}, Force: true})
	})
	j, err := m.Submit(ctx, "req", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, m, j.ID, jobs.Succeeded)

	var run, inner sdktrace.ReadOnlySpan
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		for _, s := range rec.Ended() {
			switch s.Name() {
			case "jobs.run tele":
				run = s
			case "inner":
				inner = s
			}
		}
		if run == nil || inner == nil {
			return fmt.Errorf("spans not ended yet")
		}
		return nil
	})
	if inner.Parent().SpanID() != run.SpanContext().SpanID() {
		t.Errorf("the job's span is not a child of the run span")
	}
	attrs := map[attribute.Key]attribute.Value{}
	for _, a := range run.Attributes() {
		attrs[a.Key] = a.Value
	}
	if attrs["jobs.id"].AsString() != j.ID || attrs["jobs.outcome"].AsString() != "succeeded" {
		t.Errorf("run span attributes %v", run.Attributes())
	}

	// The duration is recorded when the run ends, which may be just after
	// the job's final state became visible: collect until both are there.
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(ctx, &rm); err != nil {
			return err
		}
		got := map[string]bool{}
		for _, sm := range rm.ScopeMetrics {
			for _, mt := range sm.Metrics {
				switch d := mt.Data.(type) {
				case metricdata.Histogram[float64]:
					for _, p := range d.DataPoints {
						if v, _ := p.Attributes.Value("jobs.outcome"); v.AsString() == "succeeded" && p.Count == 1 {
							got[mt.Name] = true
						}
					}
				case metricdata.Histogram[int64]:
					for _, p := range d.DataPoints {
						if v, _ := p.Attributes.Value("jobs.count"); v.AsString() == "proposals" && p.Sum == 7 {
							got[mt.Name] = true
						}
					}
				}
			}
		}
		if !got["jobs.run.duration"] || !got["jobs.size"] {
			return fmt.Errorf("metrics recorded: %v; want jobs.run.duration and jobs.size", got)
		}
		return nil
	})
}
