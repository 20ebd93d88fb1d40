package telemetry

import (
	"context"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Log keys for the ids of the active span. They match the OTLP/W3C names so a
// log search by trace id finds the same trace the tracing backend shows.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// NewLogHandler returns a JSON slog handler that adds trace_id and span_id to
// every record logged with a context that carries a valid span. Callers must
// log with the *Context methods (InfoContext, LogAttrs...) for the ids to
// appear; records without a span are written unchanged.
func NewLogHandler(w io.Writer, level slog.Level) slog.Handler {
	return &traceHandler{base: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})}
}

// traceHandler decorates a JSON handler. The ids must stay at the top level
// even under WithGroup, or a search for trace_id would miss grouped records;
// so while no group is open the ids are added to the record (cheap), and
// after a group they are added to the base handler and the recorded
// WithAttrs/WithGroup steps are replayed on top (rare, costlier).
type traceHandler struct {
	base  slog.Handler // the JSON handler without any of steps applied
	cur   slog.Handler // base with steps applied
	steps []func(slog.Handler) slog.Handler
	group bool // a WithGroup step is among steps
}

func (h *traceHandler) handler() slog.Handler {
	if h.cur != nil {
		return h.cur
	}
	return h.base
}

// Enabled implements slog.Handler.
func (h *traceHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.base.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *traceHandler) Handle(ctx context.Context, r slog.Record) error {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return h.handler().Handle(ctx, r)
	}
	ids := []slog.Attr{
		slog.String(TraceIDKey, sc.TraceID().String()),
		slog.String(SpanIDKey, sc.SpanID().String()),
	}
	if !h.group {
		r.AddAttrs(ids...)
		return h.handler().Handle(ctx, r)
	}
	inner := h.base.WithAttrs(ids)
	for _, step := range h.steps {
		inner = step(inner)
	}
	return inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *traceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(func(in slog.Handler) slog.Handler { return in.WithAttrs(attrs) }, false)
}

// WithGroup implements slog.Handler.
func (h *traceHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(func(in slog.Handler) slog.Handler { return in.WithGroup(name) }, true)
}

func (h *traceHandler) with(step func(slog.Handler) slog.Handler, group bool) *traceHandler {
	steps := make([]func(slog.Handler) slog.Handler, len(h.steps), len(h.steps)+1)
	copy(steps, h.steps)
	return &traceHandler{
		base:  h.base,
		cur:   step(h.handler()),
		steps: append(steps, step),
		group: h.group || group,
	}
}
