package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
)

// sameRequestWaits are the pauses before each new attempt of a call that
// carries a request id: 7.5 s in all, longer than a NATS node's failover
// under make up (a create 5 s after nats-1 was killed went through; ADR
// 0233), short enough that a user who waits is not left wondering.
var sameRequestWaits = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// restartWait is how long mp waits for a gateway that is not there (the
// dial refused, or the connection cut mid-call) before it says so: a
// `make restart` of the gateway, or compose's restart policy, takes
// longer than sameRequestWaits' 7.5 s, and a coordinator's command then
// failed in the middle of a session's work (ADR 0240, 0246). Env's
// RestartWait replaces it (tests).
const restartWait = 30 * time.Second

// restartPauses are the pauses between attempts while the gateway is
// gone: short at first, then every two seconds, so a gateway back after a
// restart is found within two seconds of it listening.
var restartPauses = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second}

// sameRequest sends a call that carries a request id (a create, a job's
// start) again, with the same id, when the gateway answered Unavailable
// or the connection broke during the call. Each mp run used to make a new
// id, so a user who ran a refused `mp participants add` again could
// register the newcomer twice if the first write had landed after all
// (outside round s42); the services answer a repeated id with the first
// call's result, so sending it again here is safe, and a second run of the
// command, with a new id, is no longer the only way past a failover.
//
// Such calls, and reads and idempotent writes (the methods' idempotency
// level), also wait out a gateway that is gone, up to restartWait, with a
// line on stderr saying so, and are sent again when it is back (ADR
// 0246). Other writes (updates with an etag, deletes) are sent once, as
// before: one cut mid-call may have been done, and the user must look.
type sameRequest struct {
	e env
	// server is the gateway's address the clients call, named in the
	// line that says mp waits.
	server string
}

// WrapUnary implements connect.Interceptor.
func (s sameRequest) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		withID := hasRequestID(req.Any())
		if !withID && req.Spec().IdempotencyLevel == connect.IdempotencyUnknown {
			return next(ctx, req)
		}
		limit := s.e.RestartWait
		if limit <= 0 {
			limit = restartWait
		}
		var gone time.Time // when the gateway was first found gone
		var dropped error  // the first attempt that may have been carried out
		unavailable, paused := 0, 0
		for {
			res, err := next(ctx, req)
			if err == nil {
				return res, nil
			}
			if withID && droppedMidCall(err) && dropped == nil {
				dropped = err
			}
			var pause time.Duration
			switch {
			case refusedDial(err) || droppedMidCall(err):
				if gone.IsZero() {
					gone = time.Now()
					if s.e.Err != nil {
						fmt.Fprintln(s.e.Err, "mp: "+s.e.f("wait.gateway", s.server, int(limit/time.Second)))
					}
				}
				if time.Since(gone) >= limit {
					return nil, s.failed(err, dropped)
				}
				pause = restartPauses[min(paused, len(restartPauses)-1)]
				pause = min(pause, limit-time.Since(gone))
				paused++
			case withID && connect.CodeOf(err) == connect.CodeUnavailable && unavailable < len(sameRequestWaits):
				pause = sameRequestWaits[unavailable]
				unavailable++
			default:
				return nil, s.failed(err, dropped)
			}
			select {
			case <-ctx.Done():
				return nil, err
			case <-time.After(pause):
			}
		}
	}
}

// failed is the error of a call given up: a gateway gone for good after
// a call that broke midway says the broken call (it may have been done),
// not the refused dial after it.
func (sameRequest) failed(err, dropped error) error {
	if dropped != nil && refusedDial(err) {
		return dropped
	}
	return err
}

// WrapStreamingClient implements connect.Interceptor; a stream is not
// sent again.
func (sameRequest) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler implements connect.Interceptor; mp serves nothing.
func (sameRequest) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// hasRequestID says whether msg has a request_id field that is set.
func hasRequestID(msg any) bool {
	m, ok := msg.(proto.Message)
	if !ok {
		return false
	}
	r := m.ProtoReflect()
	fd := r.Descriptor().Fields().ByName("request_id")
	return fd != nil && r.Get(fd).String() != ""
}

// refusedDial says whether err is a dial that nothing answered.
func refusedDial(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
