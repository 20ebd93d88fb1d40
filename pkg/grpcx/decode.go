package grpcx

import (
	"context"
	"log/slog"
	"time"

	"google.golang.org/grpc"
)

// A request that did not decode is answered InvalidArgument only once the
// caller is authenticated, as every other input error is: a caller without
// a valid token learns Unauthenticated and nothing about the method's
// input (docs/adr/0183). The codec records the failure while decoding,
// which for a unary call is before any interceptor runs, so the chain has
// two decoding steps: the outermost forgets the record however the call
// ends, so a refused call leaves nothing behind, and the innermost, after
// Options' interceptors (auth), answers it.
//
// The outermost step is the logging interceptor as well, because each
// level of gRPC's chain costs every call an allocation.

// unaryOutermost is the first unary interceptor: it logs the call and,
// answered, refused or panicked, forgets the codec's record of its request.
func unaryOutermost(log *slog.Logger, c *codec) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		defer c.forget(req)
		start := time.Now()
		resp, err := handler(ctx, req)
		logCall(ctx, log, info.FullMethod, start, err)
		return resp, err
	}
}

// unary is the last unary interceptor: it refuses a request that did not
// decode, so the handler never works on an empty stand-in.
func (c *codec) unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if err := c.takeFailure(req); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// forget drops the record of req's failure, if one is left: the call was
// refused before the last interceptor answered it.
func (c *codec) forget(req any) {
	if c.pending.Load() == 0 {
		return
	}
	if _, ok := c.failed.LoadAndDelete(req); ok {
		c.pending.Add(-1)
	}
}

// streamOutermost is the first stream interceptor: it logs the stream and
// hands the rest of the chain a trackedStream, through which every message
// of the call is read.
func streamOutermost(log *slog.Logger, c *codec) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		t := &trackedStream{ServerStream: ss, c: c}
		t.ctx = trackedCtx{Context: ss.Context(), t: t}
		err := handler(srv, t)
		logCall(ss.Context(), log, info.FullMethod, start, err)
		return err
	}
}

// stream is the last stream interceptor: it answers a message that an
// interceptor read before it and that did not decode, and from then on
// lets the stream answer each such message as the handler reads it.
func (c *codec) stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		// Found through the context, which every interceptor derives from
		// the stream's: a wrapper here would cost every stream an allocation.
		if t, ok := ss.Context().Value(trackedKey{}).(*trackedStream); ok {
			if t.held != nil {
				return t.held
			}
			t.reached = true
		}
		return handler(srv, ss)
	}
}

// trackedStream takes a message's decoding failure out of the codec as it
// is read, so the codec never holds one past the read, and answers it
// once the chain's last step has been reached, that is after auth.
type trackedStream struct {
	grpc.ServerStream
	c   *codec
	ctx trackedCtx
	// reached is set by the last interceptor, before the handler runs.
	reached bool
	// held is the first failure of a message read before then; the last
	// interceptor answers it instead of running the handler.
	held error
}

// trackedKey finds a call's trackedStream in its context.
type trackedKey struct{}

// trackedCtx is the stream's context that also yields its trackedStream.
// It lives inside the trackedStream, so it costs no allocation of its own.
type trackedCtx struct {
	context.Context
	t *trackedStream
}

// Value implements context.Context.
func (c *trackedCtx) Value(key any) any {
	if key == (trackedKey{}) {
		return c.t
	}
	return c.Context.Value(key)
}

// Context implements grpc.ServerStream.
func (s *trackedStream) Context() context.Context { return &s.ctx }

// RecvMsg implements grpc.ServerStream. A message that did not decode is
// left empty, never half-decoded; before the last interceptor it reads as
// an empty message and its failure is held for that interceptor.
func (s *trackedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	err := s.c.takeFailure(m)
	if err == nil || s.reached {
		return err
	}
	if s.held == nil {
		s.held = err
	}
	return nil
}
