package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// lines decodes each JSON log line in buf.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

func TestNewLogHandler_AddsSpanIDs(t *testing.T) {
	t.Parallel()
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	sc := span.SpanContext()

	var buf bytes.Buffer
	log := slog.New(NewLogHandler(&buf, slog.LevelInfo))
	log.InfoContext(ctx, "with span", "k", 1)
	log.With("a", "b").WithGroup("g").InfoContext(ctx, "grouped", "k", 2)
	log.InfoContext(context.Background(), "no span")
	log.DebugContext(ctx, "below level")

	got := lines(t, &buf)
	if len(got) != 3 {
		t.Fatalf("got %d lines, want 3: %s", len(got), buf.String())
	}
	for _, l := range got[:2] {
		if l[TraceIDKey] != sc.TraceID().String() || l[SpanIDKey] != sc.SpanID().String() {
			t.Errorf("line %v: trace_id/span_id = %v/%v, want %s/%s",
				l, l[TraceIDKey], l[SpanIDKey], sc.TraceID(), sc.SpanID())
		}
	}
	if g, ok := got[1]["g"].(map[string]any); !ok || g["k"] != 2.0 || got[1]["a"] != "b" {
		t.Errorf("grouped line = %v, want a=b at top and k=2 under g", got[1])
	}
	if _, ok := got[2][TraceIDKey]; ok {
		t.Errorf("line without span has trace_id: %v", got[2])
	}
}

func TestSetup_LoggerAndPropagator(t *testing.T) {
	var buf bytes.Buffer
	tel, err := Setup(testutil.Context(t), Config{ServiceName: "test", ServiceVersion: "v0", LogWriter: &buf})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })

	// The global tracer is the one Setup built, so spans from otelgrpc carry
	// ids into the logs even with no exporter.
	ctx, span := otel.Tracer("test").Start(context.Background(), "op")
	tel.Logger.InfoContext(ctx, "hello")
	span.End()
	if !span.SpanContext().IsValid() {
		t.Fatalf("global tracer made an invalid span; Setup did not install its provider")
	}
	got := lines(t, &buf)
	if len(got) != 1 {
		t.Fatalf("got %d lines, want 1: %s", len(got), buf.String())
	}
	if got[0][TraceIDKey] != span.SpanContext().TraceID().String() || got[0]["service"] != "test" {
		t.Errorf("line = %v, want trace_id %s and service test", got[0], span.SpanContext().TraceID())
	}

	// The trace ids travel; baggage and tracestate do not (Propagator).
	if fields := otel.GetTextMapPropagator().Fields(); !slices.Equal(fields, []string{"traceparent"}) {
		t.Errorf("propagator fields %v, want traceparent only", fields)
	}
}

func TestSetup_MetricReader(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	tel, err := Setup(testutil.Context(t), Config{ServiceName: "test", LogWriter: &bytes.Buffer{}, MetricReader: reader})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	c, err := otel.Meter("test").Int64Counter("things")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 3)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if len(rm.ScopeMetrics) != 1 || len(rm.ScopeMetrics[0].Metrics) != 1 {
		t.Fatalf("collected %+v, want one metric", rm.ScopeMetrics)
	}
	sum := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64])
	if got := sum.DataPoints[0].Value; got != 3 {
		t.Errorf("things = %d, want 3", got)
	}
}

func TestShutdown_Twice(t *testing.T) {
	tel, err := Setup(testutil.Context(t), Config{ServiceName: "test", LogWriter: &bytes.Buffer{}})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatalf("first Shutdown: %v", err)
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// An unreachable collector must neither fail Setup nor hold Shutdown past
// its deadline: a service starts and stops without its telemetry backend.
func TestSetup_UnreachableCollector(t *testing.T) {
	// A port we listened on and closed: connections are refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	for _, ep := range []string{addr, "http://" + addr} {
		t.Run(ep, func(t *testing.T) {
			tel, err := Setup(testutil.Context(t), Config{ServiceName: "test", OTLPEndpoint: ep, LogWriter: &bytes.Buffer{}})
			if err != nil {
				t.Fatalf("Setup: %v", err)
			}
			_, span := otel.Tracer("test").Start(context.Background(), "op", trace.WithNewRoot())
			span.End()
			c, _ := otel.Meter("test").Int64Counter("things")
			c.Add(context.Background(), 1)

			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- tel.Shutdown(ctx) }()
			select {
			case err := <-done:
				// The flush cannot reach the collector, so an error is
				// expected; returning at all is what matters.
				t.Logf("Shutdown: %v", err)
			case <-time.After(30 * time.Second):
				t.Fatal("Shutdown ignored its context deadline")
			}
		})
	}
}

// TestSetup_RecordsSpansOnlyForAReceiver: without an exporter spans keep
// their ids but record nothing (docs/adr/0013); with one they record.
func TestSetup_RecordsSpansOnlyForAReceiver(t *testing.T) {
	for _, tc := range []struct {
		name string
		exp  sdktrace.SpanExporter
		want bool
	}{
		{name: "none", want: false},
		{name: "exporter", exp: tracetest.NewInMemoryExporter(), want: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tel, err := Setup(testutil.Context(t), Config{ServiceName: "test", LogWriter: io.Discard, SpanExporter: tc.exp})
			if err != nil {
				t.Fatalf("Setup: %v", err)
			}
			t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
			_, span := tel.TracerProvider.Tracer("test").Start(context.Background(), "op")
			defer span.End()
			if !span.SpanContext().IsValid() {
				t.Fatal("span has no ids")
			}
			if got := span.IsRecording(); got != tc.want {
				t.Errorf("IsRecording = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSetup_InstallsTheDefaultLogger: a library logging with slog's
// default (pkg/pool's replay line) writes the service's JSON with its
// name, not "2026/12/04 18:19:45 INFO pool: ..." as text beside it (the
// s24 outside round, ADR 0126); Shutdown puts the earlier default back.
func TestSetup_InstallsTheDefaultLogger(t *testing.T) {
	prev := slog.Default()
	var before bytes.Buffer
	prevOut := log.Writer()
	log.SetOutput(&before)
	defer log.SetOutput(prevOut)
	var buf bytes.Buffer
	tel, err := Setup(testutil.Context(t), Config{ServiceName: "stack", LogWriter: &buf})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	slog.Info("pool: replayed the source", "events", 3)
	got := lines(t, &buf)
	if len(got) != 1 || got[0]["msg"] != "pool: replayed the source" || got[0]["service"] != "stack" {
		t.Errorf("slog.Info wrote %q, want one JSON line of the service", buf.String())
	}
	if err := tel.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if slog.Default() != prev {
		t.Error("Shutdown left the service's logger as slog's default")
	}
	// A process's last line, after Shutdown: at its own level where the
	// log package wrote before, not INFO "ERROR exit ..." in the service's
	// JSON (guides-1's exit reason under make up, ADR 0134).
	slog.Error("exit", "err", "consumer stopped")
	if strings.Contains(buf.String(), "exit") {
		t.Errorf("slog.Error after Shutdown went to the service's logger: %q", buf.String())
	}
	if !strings.Contains(before.String(), "ERROR exit") {
		t.Errorf("slog.Error after Shutdown wrote %q where the log package wrote before Setup, want the ERROR line", before.String())
	}
}
