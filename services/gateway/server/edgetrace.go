package server

import (
	"context"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

// edgeTracing is how the gateway's HTTP handler traces requests from
// outside: spans named by route (spanName), none of the client's own
// attributes on them (clientBlind), and no trace context taken from the
// request. The gateway is the public edge: a traceparent, tracestate or
// baggage header is whatever its sender typed, and the global propagator
// would carry it into every service's calls, into each record's kept
// outbox trace and into every event's headers, kept in the streams for
// good and sealed with no person's key, so an erasure could not reach it
// (outside round s47, ADR 0260, found a baggage "email=..." in
// KV_participants and PARTICIPANTS). Every request starts a trace of its
// own; the calls behind it still join that trace (the services' clients
// inject with the global propagator).
func edgeTracing() []otelhttp.Option {
	return []otelhttp.Option{
		otelhttp.WithSpanNameFormatter(spanName),
		otelhttp.WithTracerProvider(clientBlind{tp: otel.GetTracerProvider()}),
		otelhttp.WithPropagators(propagation.NewCompositeTextMapPropagator()),
	}
}

// clientAttrs are the attributes otelhttp gives every request span that
// name the person behind the request rather than the request: the client's
// address (taken from X-Forwarded-For or Forwarded, whoever sent them, so
// behind a proxy every coordinator's and every newcomer's own address),
// the connection's peer address and port (the client itself without a
// proxy), and the browser's User-Agent. An IP address is personal data, and
// spans must hold none (the audit log keeps the network alone, ADR 0221);
// a newcomer's answer-page span would tie their address to their pair.
// Outside round s47 (ADR 0260) found all four in Jaeger under make up.
var clientAttrs = map[attribute.Key]bool{
	"client.address":       true,
	"network.peer.address": true,
	"network.peer.port":    true,
	"user_agent.original":  true,
}

// clientBlind is the tracer provider the gateway's otelhttp handler starts
// its spans with: tp's, minus clientAttrs. Dropping them at the start,
// rather than overwriting them afterwards, leaves no key at all, and does
// not depend on the order in which otelhttp sets its attributes.
type clientBlind struct {
	embedded.TracerProvider
	tp trace.TracerProvider
}

// Tracer returns tp's tracer, whose spans start without clientAttrs.
func (b clientBlind) Tracer(name string, opts ...trace.TracerOption) trace.Tracer {
	return clientBlindTracer{tr: b.tp.Tracer(name, opts...)}
}

// clientBlindTracer starts spans without clientAttrs.
type clientBlindTracer struct {
	embedded.Tracer
	tr trace.Tracer
}

// Start starts the span with every option given but clientAttrs.
func (t clientBlindTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	cfg := trace.NewSpanStartConfig(opts...)
	attrs := cfg.Attributes()
	kept := make([]attribute.KeyValue, 0, len(attrs))
	for _, a := range attrs {
		if !clientAttrs[a.Key] {
			kept = append(kept, a)
		}
	}
	out := []trace.SpanStartOption{trace.WithAttributes(kept...), trace.WithSpanKind(cfg.SpanKind()), trace.WithLinks(cfg.Links()...)}
	if ts := cfg.Timestamp(); !ts.IsZero() {
		out = append(out, trace.WithTimestamp(ts))
	}
	if cfg.NewRoot() {
		out = append(out, trace.WithNewRoot())
	}
	return t.tr.Start(ctx, name, out...)
}
