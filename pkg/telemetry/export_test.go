package telemetry

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	collmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	colltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// collector is a real OTLP/gRPC receiver that keeps what it is sent.
type collector struct {
	colltracepb.UnimplementedTraceServiceServer

	mu       sync.Mutex
	traces   []*colltracepb.ExportTraceServiceRequest
	nMetrics int
}

func (c *collector) Export(_ context.Context, r *colltracepb.ExportTraceServiceRequest) (*colltracepb.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.traces = append(c.traces, r)
	return &colltracepb.ExportTraceServiceResponse{}, nil
}

// metricsService adapts collector to the metrics service, whose method has
// the same name as the trace service's.
type metricsService struct {
	collmetricpb.UnimplementedMetricsServiceServer
	c *collector
}

func (m metricsService) Export(_ context.Context, r *collmetricpb.ExportMetricsServiceRequest) (*collmetricpb.ExportMetricsServiceResponse, error) {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	m.c.nMetrics += len(r.ResourceMetrics)
	return &collmetricpb.ExportMetricsServiceResponse{}, nil
}

func TestSetup_ExportsToCollector(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{}
	srv := grpc.NewServer()
	colltracepb.RegisterTraceServiceServer(srv, c)
	collmetricpb.RegisterMetricsServiceServer(srv, metricsService{c: c})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	tel, err := Setup(testutil.Context(t), Config{
		ServiceName: "exporter-test", OTLPEndpoint: "http://" + lis.Addr().String(), LogWriter: &bytes.Buffer{},
	})
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	_, span := otel.Tracer("test").Start(context.Background(), "op")
	span.End()
	counter, _ := otel.Meter("test").Int64Counter("things")
	counter.Add(context.Background(), 1)
	// Shutdown flushes the batcher and the periodic reader.
	if err := tel.Shutdown(testutil.Context(t)); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nMetrics == 0 {
		t.Errorf("collector got no metrics")
	}
	want := span.SpanContext().TraceID()
	for _, r := range c.traces {
		for _, rs := range r.ResourceSpans {
			svc := ""
			for _, a := range rs.Resource.Attributes {
				if a.Key == "service.name" {
					svc = a.Value.GetStringValue()
				}
			}
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					if fmt.Sprintf("%x", s.TraceId) == want.String() && svc == "exporter-test" {
						return
					}
				}
			}
		}
	}
	t.Fatalf("collector did not get span %s of service exporter-test (%d requests)", want, len(c.traces))
}
