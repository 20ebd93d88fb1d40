package cli

import (
	"context"
	"errors"
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

// sameRequest sends a call that carries a request id (a create, a job's
// start) again, with the same id, when the gateway answered Unavailable
// or the connection broke during the call. Each mp run used to make a new
// id, so a user who ran a refused `mp participants add` again could
// register the newcomer twice if the first write had landed after all
// (outside round s42); the services answer a repeated id with the first
// call's result, so sending it again here is safe, and a second run of the
// command, with a new id, is no longer the only way past a failover.
// Calls without a request id (reads, updates with their own etag) are
// sent once, as before.
type sameRequest struct{}

// WrapUnary implements connect.Interceptor.
func (sameRequest) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if !hasRequestID(req.Any()) {
			return next(ctx, req)
		}
		var dropped error // the first attempt that may have been carried out
		for i := 0; ; i++ {
			res, err := next(ctx, req)
			if err == nil {
				return res, nil
			}
			if droppedMidCall(err) && dropped == nil {
				dropped = err
			}
			if i == len(sameRequestWaits) || !sendAgain(err) {
				// A gateway gone for good after a call that broke
				// midway: the broken call is what the user must hear of
				// (it may have been done), not the refused dial after it.
				if dropped != nil && refusedDial(err) {
					return nil, dropped
				}
				return nil, err
			}
			select {
			case <-ctx.Done():
				return nil, err
			case <-time.After(sameRequestWaits[i]):
			}
		}
	}
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

// sendAgain says whether a call that failed with err is worth the same
// request again: a service behind the gateway not answering, or the
// connection broken during the call. A gateway that refuses the dial is
// down, and the user is told so at once.
func sendAgain(err error) bool {
	if droppedMidCall(err) {
		return true
	}
	return connect.CodeOf(err) == connect.CodeUnavailable && !refusedDial(err)
}

// refusedDial says whether err is a dial that nothing answered.
func refusedDial(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
