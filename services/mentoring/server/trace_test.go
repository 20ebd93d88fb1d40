package server_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestJobRunContinuesTheRequestTrace: the StartMatchingJob request's span
// is an ancestor of the job's run, its solve and its proposals written,
// all in the request's trace, though the job runs later from the work
// queue (the message carries the trace context).
func TestJobRunContinuesTheRequestTrace(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	e := startEnv(t, 1, server.Options{TracerProvider: tp})
	ctx := testutil.Context(t)
	e.seed(ctx, population(41, 20, 8))
	c := e.as(coordA)
	job := e.runJob(ctx, c, "traced")
	if job.GetCounts().GetProposals() == 0 {
		t.Fatal("the job proposed nothing")
	}
	want := []string{"jobs.run mentoring", "jobs.snapshot", "jobs.solve", "jobs.propose"}
	byName := map[string]sdktrace.ReadOnlySpan{}
	parent := map[trace.SpanID]trace.SpanID{}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		for _, s := range rec.Ended() {
			parent[s.SpanContext().SpanID()] = s.Parent().SpanID()
			if strings.HasSuffix(s.Name(), "/StartMatchingJob") {
				byName["request"] = s
			} else {
				byName[s.Name()] = s
			}
		}
		for _, name := range append([]string{"request"}, want...) {
			if byName[name] == nil {
				return fmt.Errorf("no %s span ended yet", name)
			}
		}
		return nil
	})
	req := byName["request"].SpanContext()
	for _, name := range want {
		s := byName[name]
		below := false
		for id := s.SpanContext().SpanID(); id.IsValid(); id = parent[id] {
			below = below || id == req.SpanID()
		}
		if s.SpanContext().TraceID() != req.TraceID() || !below {
			t.Errorf("span %s is not below the request span in its trace", name)
		}
	}
}
