package grpcx

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// StreamQuietBound is how long the caller of a server stream made through
// Dial may wait in RecvMsg without a message before the client ends the
// stream Unavailable and leaves its replica out, as a timed-out unary
// attempt does (ADR 0145). It holds for a stream's first message, and
// afterwards only for a stream whose server declared a heartbeat
// (DeclareHeartbeat); there it is the larger of this and four heartbeats.
// Without it a stream held by a stalled replica (one alive but not
// answering: SIGSTOP, a frozen VM) waited for the keepalive, about 40 s.
// It is long on purpose: CI runs on two cores at a load of 10 and more,
// and a starved but healthy server must never see its stream cut.
const StreamQuietBound = 20 * time.Second

// heartbeatHeader is the response header in which a server declares how
// often it sends a message on a stream, however quiet the stream's subject
// (a Go duration, "5s").
const heartbeatHeader = "grpcx-heartbeat"

// DeclareHeartbeat tells the client, in the stream's response header, that
// the server sends a message at least every period while the stream lasts,
// so a client through Dial may end the stream when it hears nothing for
// many periods. Call it before the stream's first Send. A stream that does
// not declare one may be legitimately quiet (a health Watch) and is bounded
// only until its first message. Called outside a stream's handler, or
// after its header went out, it does nothing: the stream is then bounded
// as one without a heartbeat, which costs the caller only the bound.
func DeclareHeartbeat(ctx context.Context, period time.Duration) {
	_ = grpc.SetHeader(ctx, metadata.Pairs(heartbeatHeader, period.String()))
}

// errQuiet is the cause a quiet stream's context is cancelled with: the
// guard reads it to leave the replica out even though the stream received
// messages before it went quiet.
var errQuiet = errors.New("grpcx: stream quiet past its bound")

// boundStream bounds server streams (one request, many answers): the
// streams a caller follows, where a stalled replica otherwise holds the
// caller until keepalive gives up. Other streams are passed on as they are.
func boundStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if !desc.ServerStreams || desc.ClientStreams {
		return streamer(ctx, desc, cc, method, opts...)
	}
	sctx, cancel := context.WithCancelCause(ctx)
	cs, err := streamer(sctx, desc, cc, method, opts...)
	if err != nil {
		cancel(nil)
		return nil, err
	}
	return &quietStream{ClientStream: cs, ctx: sctx, cancel: cancel, bound: StreamQuietBound, bounded: true}, nil
}

// quietStream ends its stream when no message arrives within bound while
// the caller waits in RecvMsg. Only the wait counts: a caller that reads
// slowly (its own client is slow) is not the replica's fault.
type quietStream struct {
	grpc.ClientStream
	ctx    context.Context
	cancel context.CancelCauseFunc

	// Set by RecvMsg only, which gRPC never runs concurrently on a stream.
	bound   time.Duration
	first   bool // the first message came
	bounded bool // before the first message, or the server declared a heartbeat
}

// expire cancels the stream as quiet, unless the caller's own context
// ended first (then the caller went away, which says nothing of the
// replica).
func (q *quietStream) expire() {
	if q.ctx.Err() != nil {
		return
	}
	q.cancel(errQuiet)
}

// RecvMsg receives the next message within the bound; a stream cut for
// being quiet ends with Unavailable in words the caller can act on.
func (q *quietStream) RecvMsg(m any) error {
	var timer *time.Timer
	if q.bounded {
		timer = time.AfterFunc(q.bound, q.expire)
	}
	err := q.ClientStream.RecvMsg(m)
	if timer != nil {
		timer.Stop()
	}
	if err != nil {
		quiet := errors.Is(context.Cause(q.ctx), errQuiet)
		q.cancel(nil)
		if quiet {
			return status.Errorf(codes.Unavailable, "no progress within %s; try again", q.bound)
		}
		return err
	}
	if !q.first {
		q.first = true
		q.bounded, q.bound = heartbeatBound(q.ClientStream)
	}
	return nil
}

// heartbeatBound is the bound a stream keeps after its first message: the
// larger of StreamQuietBound and four declared heartbeats, or none when
// the server declared no heartbeat. The header is in by the first message.
func heartbeatBound(cs grpc.ClientStream) (bool, time.Duration) {
	md, err := cs.Header()
	if err != nil {
		return false, StreamQuietBound
	}
	period, ok := DeclaredHeartbeat(md)
	if !ok {
		return false, StreamQuietBound
	}
	return true, max(StreamQuietBound, 4*period)
}

// DeclaredHeartbeat is the heartbeat a stream's response header declares
// (DeclareHeartbeat), if any; tests of a service's streams check it.
func DeclaredHeartbeat(md metadata.MD) (time.Duration, bool) {
	v := md.Get(heartbeatHeader)
	if len(v) == 0 {
		return 0, false
	}
	period, err := time.ParseDuration(v[0])
	if err != nil || period <= 0 {
		return 0, false
	}
	return period, true
}
