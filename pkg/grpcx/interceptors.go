package grpcx

import (
	"context"
	"log/slog"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// levelOf picks the log level of a finished call by its code. Successful
// calls log at Debug so a loaded server does not spend its time writing
// lines nobody reads; caller mistakes at Info; failures of ours at Warn or
// Error, where alerts look.
func levelOf(c codes.Code) slog.Level {
	switch c {
	case codes.OK:
		return slog.LevelDebug
	case codes.DeadlineExceeded, codes.Unavailable, codes.ResourceExhausted:
		return slog.LevelWarn
	case codes.Unknown, codes.Internal, codes.Unimplemented, codes.DataLoss:
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// logCall writes one line per call: method, code and duration, plus the
// trace and span ids the log handler takes from ctx. Never request or
// response contents: they hold personal data.
func logCall(ctx context.Context, log *slog.Logger, method string, start time.Time, err error) {
	c := status.Code(err)
	lvl := levelOf(c)
	if !log.Enabled(ctx, lvl) {
		return
	}
	log.LogAttrs(ctx, lvl, "rpc",
		slog.String("method", method),
		slog.String("code", c.String()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
	)
}

// recoverer turns a handler panic into Internal, so one bad request cannot
// take down a process serving everyone else.
type recoverer struct {
	log    *slog.Logger
	panics metric.Int64Counter
}

func newRecoverer(log *slog.Logger, mp metric.MeterProvider) *recoverer {
	// A failed instrument registration yields a no-op counter; recovery
	// must work whether or not metrics do.
	c, _ := mp.Meter("github.com/motesplats/motesplats/pkg/grpcx").Int64Counter(
		"rpc.server.panics",
		metric.WithUnit("{panic}"),
		metric.WithDescription("Handler panics recovered and answered with Internal."),
	)
	return &recoverer{log: log, panics: c}
}

// recovered is deferred; it must call recover itself to stop the panic.
func (r *recoverer) recovered(ctx context.Context, method string, err *error) {
	p := recover()
	if p == nil {
		return
	}
	r.panics.Add(ctx, 1, metric.WithAttributes(attribute.String("rpc.method", method)))
	r.log.LogAttrs(ctx, slog.LevelError, "rpc panic",
		slog.String("method", method),
		slog.Any("panic", p),
		slog.String("stack", string(debug.Stack())),
	)
	*err = status.Error(codes.Internal, internalMessage)
}

func (r *recoverer) unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer r.recovered(ctx, info.FullMethod, &err)
		return handler(ctx, req)
	}
}

func (r *recoverer) stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer r.recovered(ss.Context(), info.FullMethod, &err)
		return handler(srv, ss)
	}
}

// mapError applies ToStatus to a handler's error and logs what the caller
// will not see: the detail behind an Internal or Unknown.
func mapError(ctx context.Context, log *slog.Logger, method string, err error) error {
	if err == nil {
		return nil
	}
	st := ToStatus(err)
	if c := status.Code(st); c == codes.Internal || c == codes.Unknown {
		log.LogAttrs(ctx, slog.LevelError, "rpc internal error",
			slog.String("method", method),
			slog.String("err", err.Error()),
		)
	}
	return st
}

func unaryErrors(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if err != nil {
			return nil, mapError(ctx, log, info.FullMethod, err)
		}
		return resp, nil
	}
}

func streamErrors(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return mapError(ss.Context(), log, info.FullMethod, handler(srv, ss))
	}
}
