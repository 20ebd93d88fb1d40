package telemetry

import (
	"context"
	"log/slog"
)

// atMostWarn writes the OpenTelemetry SDK's own log lines (otel.SetLogger)
// through the process's JSON handler at warning level at most. The SDK
// logged them as text on stderr past the JSON lines, with no service: an
// OTLP exporter reading a bare OTEL_EXPORTER_OTLP_ENDPOINT itself said
// "parse url" twice at every start (ADR 0227). Its errors are capped at
// warning, as export failures are (Setup's error handler): no request
// fails for them.
type atMostWarn struct{ slog.Handler }

// Handle implements slog.Handler.
func (h atMostWarn) Handle(ctx context.Context, r slog.Record) error {
	if r.Level > slog.LevelWarn {
		r.Level = slog.LevelWarn
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h atMostWarn) WithAttrs(as []slog.Attr) slog.Handler {
	return atMostWarn{h.Handler.WithAttrs(as)}
}

// WithGroup implements slog.Handler.
func (h atMostWarn) WithGroup(name string) slog.Handler { return atMostWarn{h.Handler.WithGroup(name)} }
