package server

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
)

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
