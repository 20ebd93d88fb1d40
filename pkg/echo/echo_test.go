package echo

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// serve starts the echo server on a loopback port and returns a client.
func serve(tb testing.TB) (benchv1.EchoServiceClient, healthpb.HealthClient) {
	tb.Helper()
	srv, hs := NewServer(grpcx.Options{Logger: slog.New(slog.DiscardHandler)})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- grpcx.Serve(ctx, srv, hs, lis, 5*time.Second) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	cc, err := grpcx.Dial(lis.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cc.Close() })
	return benchv1.NewEchoServiceClient(cc), healthpb.NewHealthClient(cc)
}

func TestServer_EchoesPayload(t *testing.T) {
	t.Parallel()
	client, health := serve(t)
	ctx := testutil.Context(t)
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"text", []byte("hej")},
		{"binary", []byte{0, 1, 2, 255}},
		{"1 MiB", bytes.Repeat([]byte("x"), 1<<20)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.Echo(ctx, &benchv1.EchoRequest{Payload: tt.in})
			if err != nil {
				t.Fatalf("Echo: %v", err)
			}
			if !bytes.Equal(resp.GetPayload(), tt.in) {
				t.Errorf("payload of %d bytes came back as %d bytes", len(tt.in), len(resp.GetPayload()))
			}
		})
	}
	// Over the 4 MiB default limit: refused like on every service.
	_, err := client.Echo(ctx, &benchv1.EchoRequest{Payload: bytes.Repeat([]byte("x"), 5<<20)})
	if got, want := status.Code(err), codes.ResourceExhausted; got != want {
		t.Errorf("5 MiB payload: code = %v, want %v", got, want)
	}
	if resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health = %v, %v; want SERVING", resp, err)
	}
}

// BenchmarkEcho measures one unary round trip over loopback through the
// shared server stack, the in-process counterpart of the ghz baseline.
func BenchmarkEcho(b *testing.B) {
	client, _ := serve(b)
	req := &benchv1.EchoRequest{Payload: []byte("0190b6a2-7c1e-7a4b-9f3e-2d1c0b9a8f7e")}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := client.Echo(ctx, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
