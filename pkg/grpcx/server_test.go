package grpcx

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	"github.com/motesplats/motesplats/pkg/telemetry"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// secret stands for internal detail (addresses, SQL, personal data) that
// must reach the log but never a caller.
const secret = "dial tcp 10.1.2.3:5432: password authentication failed"

// echoer is a test EchoService whose payload says how to misbehave.
type echoer struct {
	benchv1.UnimplementedEchoServiceServer
	entered chan struct{} // receives when a "block" or "hang" call starts
	release chan struct{} // closed to let "block" calls finish
	never   chan struct{} // "hang" calls wait on it, ignoring their context
}

func (e *echoer) Echo(ctx context.Context, req *benchv1.EchoRequest) (*benchv1.EchoResponse, error) {
	switch string(req.GetPayload()) {
	case "panic":
		panic("handler bug")
	case "invalid":
		var v apperr.Validator
		v.Add("name", "must not be empty")
		v.Add("languages[1].code", "must be an ISO 639 code")
		return nil, v.Err()
	case "notfound":
		return nil, apperr.Errorf(apperr.NotFound, "no such echo")
	case "plain":
		return nil, errors.New(secret)
	case "block":
		e.entered <- struct{}{}
		<-e.release
	case "hang":
		e.entered <- struct{}{}
		<-e.never
	}
	return &benchv1.EchoResponse{Payload: req.GetPayload()}, nil
}

// syncBuffer is a log sink safe to read while handlers write to it.
type syncBuffer struct{ testutil.LogBuffer }

// records returns the decoded log lines whose msg is msg.
func (b *syncBuffer) records(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

type harness struct {
	impl    *echoer
	logs    *syncBuffer
	metrics *sdkmetric.ManualReader
	addr    string
	cc      *grpc.ClientConn
	client  benchv1.EchoServiceClient
	stop    context.CancelFunc // cancels Serve's context
	served  chan error         // Serve's result
}

// start serves the test EchoService through NewServer and Serve on a
// loopback port. shutdown is Serve's GracefulStop deadline.
func start(t *testing.T, shutdown time.Duration, mutate func(*Options)) *harness {
	t.Helper()
	h := &harness{
		impl: &echoer{
			entered: make(chan struct{}, 1),
			release: make(chan struct{}),
			never:   make(chan struct{}),
		},
		logs:    &syncBuffer{},
		metrics: sdkmetric.NewManualReader(),
		served:  make(chan error, 1),
	}
	t.Cleanup(func() { close(h.impl.never) })
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	o := Options{
		Logger:         slog.New(telemetry.NewLogHandler(h.logs, slog.LevelDebug)),
		TracerProvider: tp,
		MeterProvider:  sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.metrics)),
	}
	if mutate != nil {
		mutate(&o)
	}
	srv, hs := NewServer(o)
	benchv1.RegisterEchoServiceServer(srv, h.impl)

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = lis.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go func() { h.served <- Serve(ctx, srv, hs, lis, shutdown) }()
	t.Cleanup(func() {
		cancel()
		srv.Stop() // in case a test left a call hanging
	})

	h.cc, err = Dial(h.addr)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { h.cc.Close() })
	h.client = benchv1.NewEchoServiceClient(h.cc)
	return h
}

// waitServed returns Serve's result. The bound is not a timing assertion:
// it turns a shutdown that hangs into a failure instead of a test timeout.
func (h *harness) waitServed(t *testing.T) error {
	t.Helper()
	select {
	case err := <-h.served:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
		return nil
	}
}

func (h *harness) echo(ctx context.Context, payload string) (*benchv1.EchoResponse, error) {
	return h.client.Echo(ctx, &benchv1.EchoRequest{Payload: []byte(payload)})
}

func TestServer_Echo(t *testing.T) {
	t.Parallel()
	h := start(t, time.Minute, nil)
	resp, err := h.echo(testutil.Context(t), "hej")
	if err != nil {
		t.Fatalf("Echo: %v", err)
	}
	if got, want := string(resp.GetPayload()), "hej"; got != want {
		t.Errorf("payload = %q, want %q", got, want)
	}
	// One line per call, with the span's ids, never the payload.
	recs := h.logs.records(t, "rpc")
	if len(recs) != 1 {
		t.Fatalf("got %d rpc log lines, want 1", len(recs))
	}
	r := recs[0]
	if r["method"] != "/motesplats.bench.v1.EchoService/Echo" || r["code"] != "OK" || r["level"] != "DEBUG" {
		t.Errorf("rpc line = %v", r)
	}
	if id, _ := r[telemetry.TraceIDKey].(string); len(id) != 32 {
		t.Errorf("rpc line trace_id = %q, want 32 hex digits", id)
	}
	if _, ok := r["duration_ms"].(float64); !ok {
		t.Errorf("rpc line has no duration_ms: %v", r)
	}
	if line, _ := json.Marshal(r); strings.Contains(string(line), "hej") {
		t.Errorf("rpc line contains the request payload: %s", line)
	}
}

func TestServer_PanicBecomesInternal(t *testing.T) {
	t.Parallel()
	h := start(t, time.Minute, nil)
	ctx := testutil.Context(t)
	_, err := h.echo(ctx, "panic")
	if st := status.Convert(err); st.Code() != codes.Internal || st.Message() != "internal error" {
		t.Fatalf("panic: got %v %q, want Internal \"internal error\"", st.Code(), st.Message())
	}
	// The process survived and still serves.
	if _, err := h.echo(ctx, "still here"); err != nil {
		t.Fatalf("Echo after panic: %v", err)
	}

	recs := h.logs.records(t, "rpc panic")
	if len(recs) != 1 {
		t.Fatalf("got %d panic log lines, want 1", len(recs))
	}
	if stack, _ := recs[0]["stack"].(string); !strings.Contains(stack, "(*echoer).Echo") {
		t.Errorf("panic log stack does not show the handler:\n%s", stack)
	}
	if recs[0][telemetry.TraceIDKey] == nil {
		t.Errorf("panic log has no trace_id: %v", recs[0])
	}
	if got := h.logs.records(t, "rpc"); len(got) != 2 || got[0]["code"] != "Internal" {
		t.Errorf("rpc lines = %v, want the panicked call logged as Internal", got)
	}

	var rm metricdata.ResourceMetrics
	if err := h.metrics.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	if got := panicCount(rm); got != 1 {
		t.Errorf("rpc.server.panics = %d, want 1", got)
	}
}

func panicCount(rm metricdata.ResourceMetrics) int64 {
	var n int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "rpc.server.panics" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				n += dp.Value
			}
		}
	}
	return n
}

func TestServer_ErrorMapping(t *testing.T) {
	t.Parallel()
	h := start(t, time.Minute, nil)
	ctx := testutil.Context(t)

	_, err := h.echo(ctx, "invalid")
	if got, want := status.Code(err), codes.InvalidArgument; got != want {
		t.Fatalf("invalid: code = %v, want %v", got, want)
	}
	want := []apperr.FieldViolation{
		{Field: "name", Description: "must not be empty"},
		{Field: "languages[1].code", Description: "must be an ISO 639 code"},
	}
	if diff := cmp.Diff(want, FieldViolations(err)); diff != "" {
		t.Errorf("violations over the wire (-want +got):\n%s", diff)
	}

	_, err = h.echo(ctx, "notfound")
	if st := status.Convert(err); st.Code() != codes.NotFound || st.Message() != "no such echo" {
		t.Errorf("notfound: got %v %q", st.Code(), st.Message())
	}

	_, err = h.echo(ctx, "plain")
	st := status.Convert(err)
	if st.Code() != codes.Internal || st.Message() != "internal error" || len(st.Details()) != 0 {
		t.Errorf("plain: got %v %q %v, want Internal \"internal error\" and no details", st.Code(), st.Message(), st.Details())
	}
	// The detail is logged for operators, with the trace id to find it.
	recs := h.logs.records(t, "rpc internal error")
	if len(recs) != 1 || recs[0]["err"] != secret || recs[0][telemetry.TraceIDKey] == nil {
		t.Errorf("internal error log = %v, want the detail and a trace_id", recs)
	}
}

func TestServer_ExtraInterceptorsRunInnermost(t *testing.T) {
	t.Parallel()
	var seen []string
	var mu sync.Mutex
	deny := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		mu.Lock()
		seen = append(seen, info.FullMethod)
		mu.Unlock()
		md, _ := metadata.FromIncomingContext(ctx)
		switch {
		case len(md.Get("boom")) > 0:
			panic("interceptor bug")
		case len(md.Get("authorization")) == 0 && !strings.HasPrefix(info.FullMethod, "/grpc.health."):
			return nil, status.Error(codes.Unauthenticated, "missing token")
		}
		return handler(ctx, req)
	}
	h := start(t, time.Minute, func(o *Options) { o.UnaryInterceptors = []grpc.UnaryServerInterceptor{deny} })
	ctx := testutil.Context(t)

	_, err := h.echo(ctx, "hej")
	if st := status.Convert(err); st.Code() != codes.Unauthenticated || st.Message() != "missing token" {
		t.Errorf("no token: got %v %q, want Unauthenticated \"missing token\"", st.Code(), st.Message())
	}
	authed := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer x")
	if _, err := h.echo(authed, "hej"); err != nil {
		t.Errorf("with token: %v", err)
	}
	_, err = h.echo(metadata.AppendToOutgoingContext(authed, "boom", "1"), "hej")
	if got := status.Code(err); got != codes.Internal {
		t.Errorf("panicking interceptor: code = %v, want Internal", got)
	}
	// Health stays open: the skip decision is the interceptor's own.
	if _, err := healthpb.NewHealthClient(h.cc).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("health through interceptor: %v", err)
	}

	codes := map[string]bool{}
	for _, r := range h.logs.records(t, "rpc") {
		codes[r["code"].(string)] = true
	}
	for _, c := range []string{"Unauthenticated", "OK", "Internal"} {
		if !codes[c] {
			t.Errorf("no rpc log line with code %s; refusals and panics in interceptors must be logged", c)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 4 {
		t.Errorf("interceptor saw %v, want 4 calls", seen)
	}
}

func TestServer_MaxRecvMsgSize(t *testing.T) {
	t.Parallel()
	h := start(t, time.Minute, func(o *Options) { o.MaxRecvMsgSize = 1024 })
	_, err := h.echo(testutil.Context(t), strings.Repeat("x", 2048))
	if got, want := status.Code(err), codes.ResourceExhausted; got != want {
		t.Errorf("oversized request: code = %v, want %v", got, want)
	}
}

func TestServer_Reflection(t *testing.T) {
	t.Parallel()
	h := start(t, time.Minute, nil)
	stream, err := reflectionpb.NewServerReflectionClient(h.cc).ServerReflectionInfo(testutil.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatalf("reflection: %v", err)
	}
	got := map[string]bool{}
	for _, s := range resp.GetListServicesResponse().GetService() {
		got[s.GetName()] = true
	}
	for _, want := range []string{"motesplats.bench.v1.EchoService", "grpc.health.v1.Health"} {
		if !got[want] {
			t.Errorf("reflection lists %v, missing %s", got, want)
		}
	}
}

// goroutineID is the number in runtime.Stack's "goroutine N [...]" line:
// the only way to tell goroutines apart, used here to see whether gRPC
// reused one for several calls.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf))
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

func TestServer_HandlersRunOnReusedGoroutines(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]bool{}
	record := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		mu.Lock()
		seen[goroutineID()] = true
		mu.Unlock()
		return handler(ctx, req)
	}
	h := start(t, time.Minute, func(o *Options) { o.UnaryInterceptors = []grpc.UnaryServerInterceptor{record} })
	ctx := testutil.Context(t)
	const calls = 4 * streamWorkers
	for range calls {
		if _, err := h.echo(ctx, "hej"); err != nil {
			t.Fatalf("Echo: %v", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// One call at a time always finds a worker free: without workers every
	// call had a goroutine of its own (calls distinct ids).
	if len(seen) > streamWorkers {
		t.Errorf("%d calls one after another ran on %d goroutines, want at most %d (the workers)", calls, len(seen), streamWorkers)
	}
}
