package events

import (
	"log/slog"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/seal"
)

// instrumentationName names this package's tracer and meter.
const instrumentationName = "github.com/motesplats/motesplats/pkg/events"

// Option configures a Publisher or a Consumer. Without options both use the
// OpenTelemetry globals and slog.Default, which is what services want; tests
// inject their own providers so parallel tests do not share globals.
type Option func(*options)

type options struct {
	tp     trace.TracerProvider
	prop   propagation.TextMapPropagator
	mp     metric.MeterProvider
	logger *slog.Logger
	// keyring opens sealed payloads; without one handlers get them sealed.
	keyring *seal.Keyring
}

// WithKeyring lets a Consumer open payloads sealed with a person's data
// key (pkg/seal) before its handler sees them; an event whose person was
// erased (key shredded) is acknowledged without calling the handler.
// Without it, handlers get sealed envelopes as they are (payload empty).
func WithKeyring(k *seal.Keyring) Option {
	return func(o *options) { o.keyring = k }
}

// WithTracerProvider sets the provider for publish and process spans.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tp = tp }
}

// WithPropagator sets how trace context is written to and read from NATS
// headers.
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(o *options) { o.prop = p }
}

// WithMeterProvider sets the provider for consumer metrics.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) { o.mp = mp }
}

// WithLogger sets the logger for retries and dead letters.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) { o.logger = l }
}

func newOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	// Globals are read here, not at package init, so a provider that main
	// installs after importing this package is still used.
	if o.tp == nil {
		o.tp = otel.GetTracerProvider()
	}
	if o.prop == nil {
		o.prop = otel.GetTextMapPropagator()
	}
	if o.mp == nil {
		o.mp = otel.GetMeterProvider()
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	return o
}

func (o options) tracer() trace.Tracer {
	return o.tp.Tracer(instrumentationName, trace.WithSchemaURL(semconv.SchemaURL))
}

// natsSystem is the messaging.system value; semconv has no enum member for
// NATS, and this is the name its examples use.
var natsSystem = semconv.MessagingSystemKey.String("nats")
