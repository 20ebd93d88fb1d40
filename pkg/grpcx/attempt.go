package grpcx

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Bounds of one attempt of a unary call made through Dial (ADR 0138). A
// replica that is alive but not answering (SIGSTOP, a frozen VM, a
// process stuck in a full-GC or swap storm) keeps its TCP connection and
// its keepalive pings unanswered for at least 10 s before gRPC notices
// (grpc-go's floor for a client ping interval, and the servers' MinTime),
// and until then a call sent to it waited for as long as the stall lasted
// (30 s in the measurement). Nothing in grpc-go bounds an attempt: its
// retry policy has no per-attempt timeout and it has no hedging.
const (
	// ReadAttemptTimeout bounds an attempt of a read: past it the read is
	// sent once more, to another replica, as the replica that held it is
	// then left out (see guard). A read takes milliseconds; a few seconds
	// covers a loaded machine's worst.
	ReadAttemptTimeout = 3 * time.Second
	// KeyedWriteAttemptTimeout bounds an attempt of a write carrying a
	// request id, which is then sent once more as a read is. A write waits
	// for JetStream, and nats.go gives a JetStream request 5 s (as the ops
	// tests' writer gives a write while a node is lost; docs/runbook.md,
	// Draining a NATS node): cut sooner while a stream elects a leader, it
	// would fail on both replicas where waiting would have succeeded.
	KeyedWriteAttemptTimeout = 5 * time.Second
	// WriteAttemptTimeout bounds a write that is not safe to repeat. It is
	// answered Unavailable ("try again") past it, not repeated, and its
	// outcome is then unknown to the caller, so it gets the most time.
	WriteAttemptTimeout = 10 * time.Second
)

// callKind is what boundUnary may do with a call: how long an attempt
// may take and whether it may be repeated.
type callKind int

const (
	plainWrite callKind = iota // not safe to repeat
	keyedWrite                 // a write with a request id
	read
)

func (k callKind) repeatable() bool { return k != plainWrite }

func (k callKind) timeout() time.Duration {
	switch k {
	case read:
		return ReadAttemptTimeout
	case keyedWrite:
		return KeyedWriteAttemptTimeout
	}
	return WriteAttemptTimeout
}

// attemptMark rides in an attempt's context from boundUnary to the
// guard's picker: that the attempt's deadline is boundUnary's own (so a
// DeadlineExceeded means the replica held it, not that the caller's
// budget ran out), and whether the call may be repeated (only such a call
// may probe a replica that was left out).
type attemptMark struct{ repeatable bool }

type attemptKey struct{}

func markOf(ctx context.Context) (attemptMark, bool) {
	m, ok := ctx.Value(attemptKey{}).(attemptMark)
	return m, ok
}

// boundUnary bounds each attempt of a unary call and sends a call that is
// safe to repeat once more when its first attempt timed out or met an
// unavailable replica. A call that is not safe to repeat and timed out is
// answered Unavailable: the caller's words for it are "try again", never a
// wait as long as the replica's stall. The caller's own deadline, when
// shorter, is left as it is.
func boundUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	kind := kindOf(method, req)
	repeatable, timeout := kind.repeatable(), kind.timeout()
	for try := 1; ; try++ {
		actx, cancel := attemptContext(ctx, timeout, repeatable)
		err := invoker(actx, method, req, reply, cc, opts...)
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
		code := status.Code(err)
		if code != codes.DeadlineExceeded && code != codes.Unavailable {
			return err
		}
		if repeatable && try < 2 {
			continue
		}
		if code == codes.DeadlineExceeded {
			return status.Errorf(codes.Unavailable, "no answer within %s; try again", timeout)
		}
		return err
	}
}

// attemptContext is ctx bounded by timeout and marked as boundUnary's,
// or ctx itself when its own deadline comes first.
func attemptContext(ctx context.Context, timeout time.Duration, repeatable bool) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= timeout {
		return ctx, func() {}
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	return context.WithValue(actx, attemptKey{}, attemptMark{repeatable: repeatable}), cancel
}

// readPrefixes name the methods that only read (the protos' Get/List
// convention, and the health service's Check): repeating one changes
// nothing.
var readPrefixes = []string{"Get", "List", "Check"}

// kindOf tells a read, a write with a request id set, which the services
// answer once however often it comes ("a retry with the same request id
// returns the participant created the first time"), and any other write.
// Those (an approval, an update) are not repeated: a second approval would
// be refused as already done, which is not the caller's answer.
func kindOf(method string, req any) callKind {
	name := method[strings.LastIndexByte(method, '/')+1:]
	for _, p := range readPrefixes {
		if strings.HasPrefix(name, p) {
			return read
		}
	}
	m, ok := req.(proto.Message)
	if !ok {
		return plainWrite
	}
	if requestID(m.ProtoReflect(), 1) != "" {
		return keyedWrite
	}
	return plainWrite
}

// requestID is the request id a request carries: its own singular string
// field request_id, or, when it has no such field, that of one of its
// singular message fields, depth levels down. A request that wraps the
// record it writes keeps the id in the record, where the service stores
// it (RecordCheckInRequest.check_in.request_id), and the protos give a
// request_id field, wherever it sits, one meaning: a retry with the same
// id is answered once (ADR 0142). A request with its own request_id field
// is not looked into (unset, the call has none), nor are repeated fields
// or maps: a list of records is what a write returns, not what it keys.
func requestID(m protoreflect.Message, depth int) string {
	fields := m.Descriptor().Fields()
	if fd := fields.ByName("request_id"); fd != nil {
		if fd.Kind() == protoreflect.StringKind && fd.Cardinality() != protoreflect.Repeated {
			return m.Get(fd).String()
		}
		return ""
	}
	if depth == 0 {
		return ""
	}
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Kind() != protoreflect.MessageKind || fd.IsList() || fd.IsMap() || !m.Has(fd) {
			continue
		}
		if id := requestID(m.Get(fd).Message(), depth-1); id != "" {
			return id
		}
	}
	return ""
}
