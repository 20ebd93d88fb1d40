package grpcx

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// watchBeat is the replica's heartbeat on WatchThing: far below the bound,
// as a job watch's is.
const watchBeat = 200 * time.Millisecond

// openWatch opens a server stream and returns it with the address of the
// replica that sent its first message.
func openWatch(ctx context.Context, t *testing.T, cc *grpc.ClientConn, name string) (grpc.ClientStream, string, error) {
	t.Helper()
	cs, err := cc.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/motesplats.test.v1.Things/"+name)
	if err != nil {
		return nil, "", err
	}
	if err := cs.SendMsg(&emptypb.Empty{}); err != nil {
		return nil, "", err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, "", err
	}
	var v wrapperspb.StringValue
	if err := cs.RecvMsg(&v); err != nil {
		return nil, "", err
	}
	return cs, v.GetValue(), nil
}

// TestDial_StalledStreamIsCut: a watch held by a replica process that is
// then stopped (SIGSTOP) ends Unavailable within StreamQuietBound, and a
// re-opened watch is answered by the other replica. Meanwhile a watch on
// the other replica, with its heartbeat, and a quiet stream that declared
// none run on uncut. Before ADR 0145 the stopped replica's watch waited
// for the keepalive (about 40 s), past this test's deadline, which is
// shorter than that on purpose.
func TestDial_StalledStreamIsCut(t *testing.T) {
	t.Parallel()
	a, b := mustReplica(t), mustReplica(t)
	cc, onB := mustDial(t, StaticTarget(a.addr, b.addr)), mustDial(t, b.addr)
	ctx, cancel := context.WithTimeout(context.Background(), StreamQuietBound+10*time.Second)
	defer cancel()

	quiet, _, err := openWatch(ctx, t, onB, "QuietThing")
	if err != nil {
		t.Fatalf("quiet stream: %v", err)
	}
	quietEnd := make(chan error, 1)
	go func() { quietEnd <- quiet.RecvMsg(&wrapperspb.StringValue{}) }()
	beating, _, err := openWatch(ctx, t, onB, "WatchThing")
	if err != nil {
		t.Fatalf("watch on %s: %v", b.addr, err)
	}
	beatEnd := make(chan error, 1)
	go func() {
		for {
			if err := beating.RecvMsg(&wrapperspb.StringValue{}); err != nil {
				beatEnd <- err
				return
			}
		}
	}()

	// Round robin: a watch lands on the first replica within a few opens.
	var held grpc.ClientStream
	for held == nil {
		wctx, wcancel := context.WithCancel(ctx)
		defer wcancel()
		cs, addr, err := openWatch(wctx, t, cc, "WatchThing")
		if err != nil {
			t.Fatalf("watch with both replicas up: %v", err)
		}
		if addr == a.addr {
			held = cs
		} else {
			wcancel()
		}
	}

	a.signal(t, syscall.SIGSTOP)
	stopped := time.Now()
	for {
		err = held.RecvMsg(&wrapperspb.StringValue{})
		if err != nil {
			break
		}
	}
	took := time.Since(stopped)
	if status.Code(err) != codes.Unavailable || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("watch on the stopped replica ended with %v after %s, want Unavailable before the test's deadline", err, took)
	}
	t.Logf("watch on the stopped replica ended after %s (bound %s): %v", took.Round(100*time.Millisecond), StreamQuietBound, err)

	// Re-opened, every watch goes to the replica that answers: the stopped
	// one is left out, though its connection is still up (keepalive has
	// not given up on it yet), so round robin alone would send it half.
	for i := range 4 {
		again, addr, err := openWatch(ctx, t, cc, "WatchThing")
		if err != nil || addr != b.addr {
			t.Fatalf("re-opened watch %d: from %q, %v; want a message from %s", i, addr, err, b.addr)
		}
		if err := again.RecvMsg(&wrapperspb.StringValue{}); err != nil {
			t.Fatalf("re-opened watch %d's second message: %v", i, err)
		}
	}

	// The other replica's streams were never cut: the beating one still
	// runs, and the quiet one still waits for its second message.
	select {
	case err := <-beatEnd:
		t.Fatalf("watch on %s, which kept its heartbeat, ended: %v", b.addr, err)
	case err := <-quietEnd:
		t.Fatalf("quiet stream without a heartbeat ended: %v", err)
	default:
	}
	if err := onB.Invoke(ctx, "/motesplats.test.v1.Things/ReleaseThing", &emptypb.Empty{}, &emptypb.Empty{}); err != nil {
		t.Fatalf("release the quiet stream: %v", err)
	}
	if err := <-quietEnd; err != nil {
		t.Fatalf("quiet stream's second message: %v, want it received", err)
	}
}
