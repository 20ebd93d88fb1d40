package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Propagator is what every process carries from call to call and into
// stored messages (a record's outbox trace, an event's headers): the trace
// and span ids and the sampled flag, nothing else. Baggage and tracestate
// are free text whoever makes a call writes; taken up, they were kept in
// records and streams beyond any erasure's reach (outside round s47, ADR
// 0260: an e-mail address sent as baggage to the gateway lay in clear in
// KV_organisations and VOLUNTEERS). The gateway takes no context from
// outside at all; this closes the same door for calls that reach a
// service's own port, and nothing in the system reads either field.
func Propagator() propagation.TextMapPropagator { return idsOnly{} }

// idsOnly is W3C traceparent without its tracestate.
type idsOnly struct{ tc propagation.TraceContext }

// Inject writes traceparent only.
func (p idsOnly) Inject(ctx context.Context, carrier propagation.TextMapCarrier) {
	sc := trace.SpanContextFromContext(ctx)
	if sc.TraceState().Len() > 0 {
		ctx = trace.ContextWithSpanContext(ctx, sc.WithTraceState(trace.TraceState{}))
	}
	p.tc.Inject(ctx, carrier)
}

// Extract reads traceparent and drops any tracestate that came with it.
func (p idsOnly) Extract(ctx context.Context, carrier propagation.TextMapCarrier) context.Context {
	ctx = p.tc.Extract(ctx, carrier)
	if sc := trace.SpanContextFromContext(ctx); sc.IsRemote() && sc.TraceState().Len() > 0 {
		ctx = trace.ContextWithRemoteSpanContext(ctx, sc.WithTraceState(trace.TraceState{}))
	}
	return ctx
}

// Fields names the one header written.
func (p idsOnly) Fields() []string { return []string{"traceparent"} }
