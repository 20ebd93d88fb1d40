package ops_test

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/motesplats/motesplats/deploy/ops/layout"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestUp_JaegerTakesMetrics: make up JAEGER=1 points every process's OTLP
// export at Jaeger, metrics included, so Jaeger must accept an OTLP
// metrics export. It answered Unimplemented, and every process logged a
// WARN "telemetry export" each minute (ADR 0193). An empty message is a
// valid, empty ExportMetricsServiceRequest.
func TestUp_JaegerTakesMetrics(t *testing.T) {
	t.Parallel()
	s := mustUpWith(t, layout.Options{NATSNodes: 1, Jaeger: mustJaeger(t), Services: []string{}})
	jp, ok := s.Proc("jaeger")
	if !ok {
		t.Fatal("no jaeger process")
	}
	conn, err := grpc.NewClient(jp.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	err = conn.Invoke(testutil.Context(t), "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", &emptypb.Empty{}, &emptypb.Empty{})
	if err != nil {
		t.Errorf("OTLP metrics export to Jaeger: %v", err)
	}
}
