package grpcx

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// gate is a listener whose connections are closed at once while it is
// down (a process killed, its port refusing to talk) and handed to a gRPC
// server once it is up (the process started again on the same port).
type gate struct {
	net.Listener
	down    atomic.Bool
	refused atomic.Int32
	conns   chan net.Conn
	once    sync.Once
	closed  chan struct{}
}

func newGate(t *testing.T) *gate {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{Listener: l, conns: make(chan net.Conn), closed: make(chan struct{})}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				g.once.Do(func() { close(g.closed) })
				return
			}
			if g.down.Load() {
				g.refused.Add(1)
				_ = c.Close()
				continue
			}
			select {
			case g.conns <- c:
			case <-g.closed:
				_ = c.Close()
			}
		}
	}()
	return g
}

// serving is one server's view of the gate: its Close (at Stop) ends
// only that server's Accept, and the port stays open, as a process
// started again binds the same one.
type serving struct {
	*gate
	done chan struct{}
	once sync.Once
}

func (g *gate) serve() *serving { return &serving{gate: g, done: make(chan struct{})} }

// Accept hands the server the connections let through.
func (s *serving) Accept() (net.Conn, error) {
	select {
	case c := <-s.conns:
		return c, nil
	case <-s.done:
		return nil, net.ErrClosed
	case <-s.closed:
		return nil, net.ErrClosed
	}
}

// Close ends this server's Accept.
func (s *serving) Close() error {
	s.once.Do(func() { close(s.done) })
	return nil
}

// TestDial_BackSoonAfterItsServerReturns: a service is gone long enough
// for its callers to fail six connection attempts (both register
// processes killed under make up, ADR 0190), then comes back on the same
// address. A caller's next attempt, and its calls, follow within a
// second or so: Dial caps the pause between attempts at ReconnectMaxDelay.
// With gRPC's default (1 s growing by 1.6 to two minutes) the seventh
// attempt came 8-13 s after the sixth, whenever the service returned:
// notify sent the messages waiting for the register 15 s after it was
// back (ADR 0194).
func TestDial_BackSoonAfterItsServerReturns(t *testing.T) {
	t.Parallel()
	g := newGate(t)
	s := grpc.NewServer()
	healthpb.RegisterHealthServer(s, health.NewServer())
	go func() { _ = s.Serve(g.serve()) }()
	t.Cleanup(func() { s.Stop(); _ = g.Listener.Close() })
	cc, err := Dial(g.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	hc := healthpb.NewHealthClient(cc)
	ctx := testutil.Context(t)
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	if _, err := hc.Check(wctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true)); err != nil {
		t.Fatalf("server up: %v", err)
	}
	cancel()
	g.down.Store(true)
	s.Stop() // its connections close, as at a kill -9
	s = grpc.NewServer()
	healthpb.RegisterHealthServer(s, health.NewServer())
	go func() { _ = s.Serve(g.serve()) }()
	// The caller keeps calling, as notify's sender retries its reads.
	testutil.CheckFor(t, time.Minute, 50*time.Millisecond, func() error {
		_, _ = hc.Check(ctx, &healthpb.HealthCheckRequest{})
		if n := g.refused.Load(); n < 6 {
			return context.DeadlineExceeded
		}
		return nil
	})
	g.down.Store(false)
	// Calls fail fast while the connection waits to try again, as
	// notify's reads do: one is answered once the client tried again.
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		_, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	})
}
