package grpcx

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// TestDial_StaticTargetSurvivesAStoppedReplica: a caller given both
// replicas of a service in one static target keeps being answered by the
// second while the first is gone (make up's gateway while mentoring-1 is
// killed and restarting; it answered unavailable before, ADR 0134).
func TestDial_StaticTargetSurvivesAStoppedReplica(t *testing.T) {
	t.Parallel()
	serve := func() (*grpc.Server, string) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		s := grpc.NewServer()
		healthpb.RegisterHealthServer(s, health.NewServer())
		go func() { _ = s.Serve(l) }()
		t.Cleanup(s.Stop)
		return s, l.Addr().String()
	}
	first, a := serve()
	_, b := serve()
	cc, err := Dial(StaticTarget(a, b))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hc := healthpb.NewHealthClient(cc)
	seen := map[string]bool{}
	for range 20 {
		var p peer.Peer
		if _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true), grpc.Peer(&p)); err != nil {
			t.Fatalf("both replicas up: %v", err)
		}
		seen[p.Addr.String()] = true
	}
	if !seen[a] && !seen[b] {
		t.Fatalf("calls reached %v, want %s or %s", seen, a, b)
	}
	first.Stop() // as kill -9: its connections close
	// A call already on the closing connection may fail, as one does at a
	// kill -9; the balancer then leaves that address out.
	for failed := 0; ; failed++ {
		_, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
		if err == nil {
			break
		}
		if status.Code(err) != codes.Unavailable || failed == 2 {
			t.Fatalf("with %s stopped: %v, want %s to answer", a, err, b)
		}
	}
	for i := range 20 {
		var p peer.Peer
		if _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true), grpc.Peer(&p)); err != nil {
			t.Fatalf("call %d with %s stopped: %v, want an answer from %s", i, a, err, b)
		}
		if got := p.Addr.String(); got != b {
			t.Fatalf("call %d answered by %s, want %s (the one still up)", i, got, b)
		}
	}
	if got := StaticTarget(a); got != a {
		t.Errorf("StaticTarget(one) = %q, want the address itself", got)
	}
}
