package grpcx

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// Health is SERVING while up and turns NOT_SERVING as soon as shutdown
// begins, before connections drain, so balancers stop sending new calls.
func TestServe_HealthDrainsFirst(t *testing.T) {
	t.Parallel()
	h := start(t, time.Minute, nil)
	ctx, cancel := context.WithCancel(testutil.Context(t))
	defer cancel()
	hc := healthpb.NewHealthClient(h.cc)
	if resp, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("Check = %v, %v; want SERVING", resp, err)
	}
	watch, err := hc.Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := watch.Recv(); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first Watch = %v, %v; want SERVING", resp, err)
	}

	h.stop()
	if resp, err := watch.Recv(); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("Watch after cancel = %v, %v; want NOT_SERVING", resp, err)
	}
	cancel() // the watch is the last open call; graceful stop can finish
	if err := h.waitServed(t); err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
}

// GracefulStop lets a call that is in flight when shutdown starts finish.
func TestServe_GracefulStopWaitsForInFlight(t *testing.T) {
	t.Parallel()
	h := start(t, time.Minute, nil)
	result := make(chan error, 1)
	go func() {
		resp, err := h.echo(context.Background(), "block")
		if err == nil && string(resp.GetPayload()) != "block" {
			err = errors.New("wrong payload " + string(resp.GetPayload()))
		}
		result <- err
	}()
	<-h.impl.entered

	h.stop()
	// Shutdown has begun once the listener refuses connections.
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		c, err := net.Dial("tcp", h.addr)
		if err != nil {
			return nil
		}
		c.Close()
		return errors.New("listener still open")
	})
	select {
	case err := <-h.served:
		t.Fatalf("Serve returned %v while a call was in flight", err)
	default:
	}

	close(h.impl.release)
	if err := <-result; err != nil {
		t.Errorf("in-flight call: %v, want success", err)
	}
	if err := h.waitServed(t); err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
}

// A call that never ends cannot hold shutdown past its deadline.
func TestServe_StopsAfterDeadline(t *testing.T) {
	t.Parallel()
	h := start(t, 200*time.Millisecond, nil)
	result := make(chan error, 1)
	go func() {
		_, err := h.echo(context.Background(), "hang")
		result <- err
	}()
	<-h.impl.entered

	h.stop()
	if err := h.waitServed(t); err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
	if got, want := status.Code(<-result), codes.Unavailable; got != want {
		t.Errorf("cut call: code = %v, want %v", got, want)
	}
}

func TestServe_ListenerFailure(t *testing.T) {
	t.Parallel()
	srv, hs := NewServer(Options{Logger: slog.New(slog.DiscardHandler)})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lis.Close() // Accept fails at once
	if err := Serve(testutil.Context(t), srv, hs, lis, time.Second); err == nil {
		t.Errorf("Serve on a closed listener = nil, want an error")
	}
}
