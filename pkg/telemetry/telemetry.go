// Package telemetry sets up the OpenTelemetry tracer and meter providers and
// the structured logger every process uses, so that logs, traces and metrics
// of one request share a trace id, and so that shutdown flushes what is
// buffered.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/go-logr/logr"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Config says what the process is and where its telemetry goes. main fills
// it from the environment; nothing here reads the environment for it.
type Config struct {
	// ServiceName is the resource's service.name, for example "participants".
	ServiceName string
	// ServiceVersion is the resource's service.version (build version).
	ServiceVersion string
	// OTLPEndpoint is OTEL_EXPORTER_OTLP_ENDPOINT: "http://host:4317" (plain
	// text), "https://host:4317" (TLS) or a bare "host:4317", which is taken
	// as plain text because collectors sit on loopback or inside the mesh.
	// Empty means no export: spans still get ids, for the logs.
	OTLPEndpoint string
	// LogLevel is the minimum level written.
	LogLevel slog.Level
	// LogWriter receives the JSON log lines; nil means os.Stderr.
	LogWriter io.Writer
	// MetricReader, when set, is added to the meter provider besides any
	// OTLP exporter, so tests can collect metrics with a ManualReader.
	MetricReader sdkmetric.Reader
	// SpanExporter, when set, receives every span synchronously besides
	// any OTLP exporter, so tests can search what spans carry.
	SpanExporter sdktrace.SpanExporter
}

// Telemetry holds the providers Setup installed. Keep it to call Shutdown;
// the providers are also set as the otel globals, which otelgrpc and
// redisotel use by default.
type Telemetry struct {
	// Logger writes JSON with trace_id and span_id. main may make it
	// slog's default; Setup leaves that global alone.
	Logger *slog.Logger
	// TracerProvider samples every root span (parent-based otherwise).
	TracerProvider *sdktrace.TracerProvider
	// MeterProvider has the Prometheus reader (MetricsHandler), and the
	// OTLP reader when an endpoint is set.
	MeterProvider *sdkmetric.MeterProvider

	metrics http.Handler // the Prometheus registry, see MetricsHandler
	// prevLog is slog's default before Setup made Logger the default;
	// Shutdown puts it back.
	prevLog *slog.Logger
	// prevLogOut and prevLogFlags are the log package's output before
	// Setup: slog.SetDefault points it at Logger, and putting slog's own
	// default back does not undo that, so a slog.Error after Shutdown (a
	// process's "exit" line) went to Logger at level INFO (ADR 0134).
	prevLogOut   io.Writer
	prevLogFlags int

	mu      sync.Mutex
	servers []*http.Server // ServeMetrics listeners, closed by Shutdown

	once        sync.Once
	shutdownErr error
}

// Setup builds the providers and logger and installs them, with the W3C
// TraceContext and Baggage propagator, as the process-wide defaults.
// Exporters connect lazily and export in the background, so an unreachable
// collector does not fail Setup: telemetry must never keep a service down.
func Setup(ctx context.Context, cfg Config) (*Telemetry, error) {
	w := cfg.LogWriter
	if w == nil {
		w = os.Stderr
	}
	logger := slog.New(NewLogHandler(w, cfg.LogLevel))
	if cfg.ServiceName != "" {
		logger = logger.With("service", cfg.ServiceName)
	}
	// Before the exporters: they read OTEL_EXPORTER_OTLP_ENDPOINT
	// themselves and say what they make of it through this logger.
	otel.SetLogger(logr.FromSlogHandler(atMostWarn{logger.Handler()}))

	// Our attributes come last so they win over OTEL_RESOURCE_ATTRIBUTES;
	// the environment still adds deployment facts such as the pod name.
	res, err := resource.New(ctx,
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(
			semconv.ServiceName(cfg.ServiceName),
			semconv.ServiceVersion(cfg.ServiceVersion),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}

	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	prom, metrics, err := newPrometheus()
	if err != nil {
		return nil, err
	}
	mpOpts := []sdkmetric.Option{sdkmetric.WithResource(res), sdkmetric.WithReader(prom)}
	if cfg.OTLPEndpoint != "" {
		te, err := otlptracegrpc.New(ctx, traceEndpoint(cfg.OTLPEndpoint)...)
		if err != nil {
			return nil, fmt.Errorf("otlp trace exporter: %w", err)
		}
		me, err := otlpmetricgrpc.New(ctx, metricEndpoint(cfg.OTLPEndpoint)...)
		if err != nil {
			_ = te.Shutdown(ctx)
			return nil, fmt.Errorf("otlp metric exporter: %w", err)
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(te))
		mpOpts = append(mpOpts, sdkmetric.WithReader(sdkmetric.NewPeriodicReader(me)))
	}
	if cfg.SpanExporter != nil {
		tpOpts = append(tpOpts, sdktrace.WithSyncer(cfg.SpanExporter))
	}
	if cfg.OTLPEndpoint == "" && cfg.SpanExporter == nil {
		// Nobody receives spans: recording them (attributes, events,
		// timings) would be work thrown away at End, about 3% of a
		// create's CPU in `make load` (docs/adr/0013). Spans still get
		// trace and span ids, so logs carry trace_id and the context still
		// travels in gRPC metadata and NATS headers, marked not sampled.
		tpOpts = append(tpOpts, sdktrace.WithSampler(sdktrace.NeverSample()))
	}
	if cfg.MetricReader != nil {
		mpOpts = append(mpOpts, sdkmetric.WithReader(cfg.MetricReader))
	}

	t := &Telemetry{
		Logger:         logger,
		TracerProvider: sdktrace.NewTracerProvider(tpOpts...),
		MeterProvider:  sdkmetric.NewMeterProvider(mpOpts...),
		metrics:        metrics,
	}
	otel.SetTracerProvider(t.TracerProvider)
	otel.SetMeterProvider(t.MeterProvider)
	// Libraries that log with slog's default (pkg/pool's replay line)
	// wrote "2026/12/04 18:19:45 INFO pool: ..." as text beside the JSON
	// lines, without the service (the s24 outside round, ADR 0126).
	t.prevLog, t.prevLogOut, t.prevLogFlags = slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(logger)
	otel.SetTextMapPropagator(Propagator())
	// Export failures are reported through otel's handler; route them to our
	// log rather than the stdlib default logger, at warning level because a
	// lost span is not a failed request.
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn("telemetry export", "err", err)
	}))
	return t, nil
}

// Shutdown flushes buffered spans and metrics and stops the providers. It
// gives up when ctx ends, so a dead collector cannot hold up process exit.
// Only the first call does the work; later calls return its result.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	t.once.Do(func() {
		if slog.Default() == t.Logger {
			otel.SetLogger(logr.FromSlogHandler(atMostWarn{t.prevLog.Handler()}))
			slog.SetDefault(t.prevLog)
			log.SetOutput(t.prevLogOut)
			log.SetFlags(t.prevLogFlags)
		}
		t.shutdownErr = errors.Join(
			t.stopServers(ctx),
			t.TracerProvider.Shutdown(ctx),
			t.MeterProvider.Shutdown(ctx),
		)
	})
	return t.shutdownErr
}

func traceEndpoint(ep string) []otlptracegrpc.Option {
	if strings.Contains(ep, "://") {
		return []otlptracegrpc.Option{otlptracegrpc.WithEndpointURL(ep)}
	}
	return []otlptracegrpc.Option{otlptracegrpc.WithEndpoint(ep), otlptracegrpc.WithInsecure()}
}

func metricEndpoint(ep string) []otlpmetricgrpc.Option {
	if strings.Contains(ep, "://") {
		return []otlpmetricgrpc.Option{otlpmetricgrpc.WithEndpointURL(ep)}
	}
	return []otlpmetricgrpc.Option{otlpmetricgrpc.WithEndpoint(ep), otlpmetricgrpc.WithInsecure()}
}
