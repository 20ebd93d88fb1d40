package store

import (
	"context"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
)

// keepTrace records in next the trace context of each outbox event: events
// carried forward from prev keep the context of the write that made them,
// new ones get ctx's. The relay, publishing after a crash, continues the
// writer's trace with it (writeTrace) instead of starting a new one.
func (r *Repo[T]) keepTrace(ctx context.Context, next, prev *storev1.Record) {
	if len(next.GetOutbox()) == 0 {
		return
	}
	had := map[string]*storev1.OutboxTrace{}
	for _, t := range prev.GetOutboxTrace() {
		had[t.GetEventId()] = t
	}
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	next.OutboxTrace = next.OutboxTrace[:0]
	for _, ev := range next.GetOutbox() {
		if t, ok := had[ev.GetId()]; ok {
			next.OutboxTrace = append(next.OutboxTrace, t)
			continue
		}
		if len(carrier) > 0 {
			next.OutboxTrace = append(next.OutboxTrace, &storev1.OutboxTrace{EventId: ev.GetId(), Fields: carrier})
		}
	}
}

// writeTrace returns ctx carrying the trace context stored for the event
// id, if any, so the publish span joins the trace of the write.
func (r *Repo[T]) writeTrace(ctx context.Context, rec *storev1.Record, id string) context.Context {
	for _, t := range rec.GetOutboxTrace() {
		if t.GetEventId() == id {
			return otel.GetTextMapPropagator().Extract(ctx, propagation.MapCarrier(t.GetFields()))
		}
	}
	return ctx
}

// startWrite starts the span of a write (op: create, update, remove) to
// the repo's bucket, so a trace shows where records were written, with the
// publishes of their outbox below it. It names the bucket, never the key
// or the record.
func (r *Repo[T]) startWrite(ctx context.Context, op string) (context.Context, trace.Span) {
	name, ok := r.spans.names[op]
	attrs := r.spans.attrs
	if !ok || attrs == nil {
		name, attrs = writeSpanName(op, r.cfg.Bucket), writeSpanAttrs(r.cfg.Bucket)
	}
	return otel.GetTracerProvider().Tracer("github.com/motesplats/motesplats/pkg/store").Start(ctx, name, attrs)
}

// writeOps are the ops startWrite is called with.
var writeOps = []string{"create", "create_batch", "update", "remove", "fence"}

// writeSpans holds a repo's write span names by op and their attributes,
// made once per repo: per write they were two string concatenations and
// an attribute slice, on every create's path (ADR 0174). The option is
// only read when a span starts, so it is shared by concurrent writes.
type writeSpans struct {
	names map[string]string
	attrs trace.SpanStartOption
}

func newWriteSpans(bucket string) writeSpans {
	w := writeSpans{names: make(map[string]string, len(writeOps)), attrs: writeSpanAttrs(bucket)}
	for _, op := range writeOps {
		w.names[op] = writeSpanName(op, bucket)
	}
	return w
}

func writeSpanName(op, bucket string) string { return "store." + op + " " + bucket }

func writeSpanAttrs(bucket string) trace.SpanStartOption {
	return trace.WithAttributes(attribute.String("db.system.name", "nats_kv"), attribute.String("db.collection.name", bucket))
}
