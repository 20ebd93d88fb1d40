package grpcx

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc/filters"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/stats"

	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// statsPair is one server and its client, each with a stats handler of
// its own and the metrics each records.
type statsPair struct {
	client           benchv1.EchoServiceClient
	health           healthpb.HealthClient
	server, received *sdkmetric.ManualReader // the server's and the client's
}

// servePair serves the test EchoService behind the error mapping, with the
// stats handlers mk makes from the server's and the client's meter
// providers.
func servePair(tb testing.TB, mk func(server, client *sdkmetric.MeterProvider) (stats.Handler, stats.Handler)) *statsPair {
	tb.Helper()
	p := &statsPair{server: sdkmetric.NewManualReader(), received: sdkmetric.NewManualReader()}
	sh, ch := mk(sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.server)),
		sdkmetric.NewMeterProvider(sdkmetric.WithReader(p.received)))
	srv := grpc.NewServer(grpc.StatsHandler(sh), grpc.ChainUnaryInterceptor(unaryErrors(slog.New(slog.DiscardHandler))))
	benchv1.RegisterEchoServiceServer(srv, &echoer{})
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	tb.Cleanup(srv.Stop)
	cc, err := grpc.NewClient(lis.Addr().String(),
		grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithStatsHandler(ch))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cc.Close() })
	p.client, p.health = benchv1.NewEchoServiceClient(cc), healthpb.NewHealthClient(cc)
	return p
}

// otelgrpcPair has otelgrpc's own handlers, metrics included: what the
// servers and clients had before rpcStats.
func otelgrpcPair(server, client *sdkmetric.MeterProvider) (stats.Handler, stats.Handler) {
	return otelgrpc.NewServerHandler(otelgrpc.WithMeterProvider(server), otelgrpc.WithFilter(filters.Not(filters.HealthCheck()))),
		otelgrpc.NewClientHandler(otelgrpc.WithMeterProvider(client))
}

// ownPair has the handlers NewServer and Dial install.
func ownPair(server, client *sdkmetric.MeterProvider) (stats.Handler, stats.Handler) {
	return newServerStats(server, nil, notHealth), newClientStats(client)
}

// durations collects r's call-duration histograms as comparable text: the
// scope, name, unit and buckets, and per attribute set the count, with
// server.port left out (each pair has its own).
func durations(t *testing.T, r *sdkmetric.ManualReader) []string {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok {
				continue
			}
			for _, dp := range h.DataPoints {
				var kv []string
				for _, a := range dp.Attributes.ToSlice() {
					if a.Key != "server.port" {
						kv = append(kv, fmt.Sprintf("%s=%s", a.Key, a.Value.Emit()))
					}
				}
				out = append(out, fmt.Sprintf("%s %s %s %s %s buckets=%v count=%d {%s}", sm.Scope.Name, sm.Scope.Version,
					sm.Scope.SchemaURL, m.Name, m.Unit, dp.Bounds, dp.Count, strings.Join(kv, " ")))
			}
		}
	}
	slices.Sort(out)
	return out
}

// calls sums the counts of durations' points.
func calls(points []string) int {
	n := 0
	for _, p := range points {
		var c int
		if _, err := fmt.Sscanf(p[strings.Index(p, "count="):], "count=%d", &c); err == nil {
			n += c
		}
	}
	return n
}

// TestRPCDurationsAsOtelgrpc makes the same calls through otelgrpc's own
// handlers and through rpcStats, and wants the same duration metrics from
// both, on the server and the client: names, scope, buckets, and one point
// per method and code (and replica) with the same attributes and counts,
// so dashboards and alerts read the same series. The calls repeat, so a
// kept attribute set is used again; the server leaves health checks out.
func TestRPCDurationsAsOtelgrpc(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	send := func(p *statsPair) {
		for _, payload := range []string{"hej", "hej", "notfound", "plain", "plain", "invalid"} {
			_, _ = p.client.Echo(ctx, &benchv1.EchoRequest{Payload: []byte(payload)})
		}
		// Not measured by the server; by the client, as any call.
		_, _ = p.health.Check(ctx, &healthpb.HealthCheckRequest{})
	}
	want, got := servePair(t, otelgrpcPair), servePair(t, ownPair)
	send(want)
	send(got)
	for _, side := range []struct {
		name          string
		want, got     *sdkmetric.ManualReader
		calls, points int // the server measures no health checks
	}{{"server", want.server, got.server, 6, 4}, {"client", want.received, got.received, 7, 5}} {
		// A server records a call after its answer is sent: wait for all.
		var w, g []string
		testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
			w, g = durations(t, side.want), durations(t, side.got)
			if nw, ng := calls(w), calls(g); nw != side.calls || ng != side.calls {
				return fmt.Errorf("%s: %d and %d calls recorded, want %d", side.name, nw, ng, side.calls)
			}
			return nil
		})
		if len(w) != side.points {
			t.Fatalf("%s: otelgrpc recorded %d points, want %d (OK, NOT_FOUND, INTERNAL, INVALID_ARGUMENT, and a client's health check): %v",
				side.name, len(w), side.points, w)
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%s durations differ from otelgrpc's (-otelgrpc +rpcStats):\n%s", side.name, diff)
		}
	}
}

// TestRPCStatsTraces checks that the spans are still otelgrpc's: a server
// span per call, none for health checks, with the method and code.
func TestRPCStatsTraces(t *testing.T) {
	t.Parallel()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	h := start(t, time.Minute, func(o *Options) { o.TracerProvider = tp })
	ctx := testutil.Context(t)
	if _, err := h.echo(ctx, "hej"); err != nil {
		t.Fatal(err)
	}
	// The server ends its span after the answer is sent.
	var ended []sdktrace.ReadOnlySpan
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if ended = spans.Ended(); len(ended) != 1 {
			return fmt.Errorf("got %d server spans, want 1", len(ended))
		}
		return nil
	})
	if got, want := ended[0].Name(), "motesplats.bench.v1.EchoService/Echo"; got != want {
		t.Errorf("span name = %q, want %q", got, want)
	}
	if !slices.Contains(ended[0].Attributes(), attribute.String("rpc.response.status_code", "OK")) {
		t.Errorf("span attributes %v lack rpc.response.status_code=OK", ended[0].Attributes())
	}
}

// BenchmarkEchoMetered is one echo round trip with spans and metrics
// recorded on both sides, through otelgrpc's handlers and through
// rpcStats: what keeping the attribute sets saves per call.
func BenchmarkEchoMetered(b *testing.B) {
	for _, bc := range []struct {
		name string
		mk   func(server, client *sdkmetric.MeterProvider) (stats.Handler, stats.Handler)
	}{{"otelgrpc", otelgrpcPair}, {"rpcStats", ownPair}} {
		b.Run(bc.name, func(b *testing.B) {
			p := servePair(b, bc.mk)
			ctx := context.Background()
			req := &benchv1.EchoRequest{Payload: []byte("hej")}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.client.Echo(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStatsHandler is one call's work in a stats handler alone (tag,
// begin, headers, end), unsampled as in `make load`, with metrics recorded
// to an SDK meter provider: otelgrpc's own handlers against rpcStats.
func BenchmarkStatsHandler(b *testing.B) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()))
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7001}
	info := &stats.RPCTagInfo{FullMethodName: "/motesplats.participants.v1.ParticipantService/CreateParticipant"}
	for _, bc := range []struct {
		name   string
		server stats.Handler
		client stats.Handler
	}{
		{"otelgrpc", otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tp), otelgrpc.WithFilter(filters.Not(filters.HealthCheck())),
			otelgrpc.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))),
			otelgrpc.NewClientHandler(otelgrpc.WithTracerProvider(tp),
				otelgrpc.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))))},
		{"rpcStats", newServerStats(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())), tp, notHealth),
			newClientStats(sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader())))},
	} {
		for _, side := range []struct {
			name   string
			h      stats.Handler
			client bool
		}{{"server", bc.server, false}, {"client", bc.client, true}} {
			b.Run(bc.name+"/"+side.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					ctx := side.h.TagRPC(context.Background(), info)
					now := time.Now()
					side.h.HandleRPC(ctx, &stats.Begin{Client: side.client, BeginTime: now})
					side.h.HandleRPC(ctx, &stats.OutHeader{Client: side.client, RemoteAddr: remote})
					side.h.HandleRPC(ctx, &stats.End{Client: side.client, BeginTime: now, EndTime: now.Add(time.Millisecond)})
				}
			})
		}
	}
}
