package grpcx

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/rpcconv"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

// maxCachedSets bounds the attribute sets a handler keeps. Methods and
// codes are few, but a client names any method it likes and a client's
// replicas come and go: past the bound a call's set is made for it alone,
// as otelgrpc makes every one.
const maxCachedSets = 1024

// durationBuckets are otelgrpc's (v0.72) for rpc.*.call.duration, so the
// histograms an operator reads keep their buckets.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// rpcStats is the stats handler of every server (NewServer) and client
// (Dial): otelgrpc's for the spans, with its metrics turned off, and the
// call duration (rpc.server.call.duration or rpc.client.call.duration)
// recorded here, with the same name, unit, buckets, scope and attributes
// as otelgrpc records it. What differs is the attribute set: otelgrpc
// builds it again for every call (copying, sorting and hashing five or six
// attributes, 40% of otelgrpc's CPU in `make load`), here it is made once
// per method, code and (for a client) replica, and kept (ADR 0147).
type rpcStats struct {
	stats.Handler // otelgrpc's, spans only

	client bool
	filter otelgrpc.Filter // nil: every call is measured
	dur    metric.Float64Histogram

	sets  sync.Map // setKey -> []metric.RecordOption
	count atomic.Int32
}

// setKey names one attribute set.
type setKey struct {
	method string
	code   codes.Code
	addr   netip.AddrPort // a client's replica; zero on a server
}

// callKey carries a measured call's callInfo in its context.
type callKey struct{}

// callInfo is what End needs of a call that TagRPC and the headers saw.
type callInfo struct {
	method string
	addr   net.Addr // the replica a client's call went to
}

// ownMetrics reports whether rpcStats records the duration: only with
// otelgrpc's default semantic conventions. OTEL_SEMCONV_STABILITY_OPT_IN
// asking for the old ones (rpc/old, rpc/dup) leaves the metrics to
// otelgrpc, which alone knows them.
func ownMetrics() bool {
	for p := range strings.SplitSeq(os.Getenv("OTEL_SEMCONV_STABILITY_OPT_IN"), ",") {
		if p = strings.TrimSpace(p); p == "rpc/old" || p == "rpc/dup" {
			return false
		}
	}
	return true
}

// newServerStats returns the server's stats handler: spans (from tp; nil
// means the otel global) for the calls filter lets through, and their
// durations (to mp).
func newServerStats(mp metric.MeterProvider, tp trace.TracerProvider, filter otelgrpc.Filter) stats.Handler {
	opts := []otelgrpc.Option{otelgrpc.WithFilter(filter)}
	if tp != nil {
		opts = append(opts, otelgrpc.WithTracerProvider(tp))
	}
	if !ownMetrics() {
		return otelgrpc.NewServerHandler(append(opts, otelgrpc.WithMeterProvider(mp))...)
	}
	h := &rpcStats{filter: filter}
	d, err := rpcconv.NewServerCallDuration(meter(mp), metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		otel.Handle(err)
	}
	h.dur = d.Inst()
	h.Handler = otelgrpc.NewServerHandler(append(opts, otelgrpc.WithMeterProvider(noop.NewMeterProvider()))...)
	return h
}

// newClientStats is newServerStats for a client, with the otel globals
// for spans, as otelgrpc's client handler has by default.
func newClientStats(mp metric.MeterProvider) stats.Handler {
	if !ownMetrics() {
		return otelgrpc.NewClientHandler(otelgrpc.WithMeterProvider(mp))
	}
	h := &rpcStats{client: true}
	d, err := rpcconv.NewClientCallDuration(meter(mp), metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		otel.Handle(err)
	}
	h.dur = d.Inst()
	h.Handler = otelgrpc.NewClientHandler(otelgrpc.WithMeterProvider(noop.NewMeterProvider()))
	return h
}

// meter is otelgrpc's own meter, so the series keep their otel_scope_*
// labels.
func meter(mp metric.MeterProvider) metric.Meter {
	return mp.Meter(otelgrpc.ScopeName, metric.WithInstrumentationVersion(otelgrpc.Version),
		metric.WithSchemaURL(semconv.SchemaURL))
}

// TagRPC starts the span (otelgrpc) and notes the method to measure.
func (h *rpcStats) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	ctx = h.Handler.TagRPC(ctx, info)
	if h.filter != nil && !h.filter(info) {
		return ctx
	}
	return context.WithValue(ctx, callKey{}, &callInfo{method: info.FullMethodName})
}

// HandleRPC passes every event to otelgrpc, notes a client's replica, and
// records the duration at the end.
func (h *rpcStats) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	h.Handler.HandleRPC(ctx, rs)
	ci, _ := ctx.Value(callKey{}).(*callInfo)
	if ci == nil {
		return
	}
	switch rs := rs.(type) {
	case *stats.OutHeader:
		if rs.Client && rs.RemoteAddr != nil {
			ci.addr = rs.RemoteAddr
		}
	case *stats.End:
		if !h.dur.Enabled(ctx) {
			return
		}
		code := codes.OK
		if rs.Error != nil {
			code = status.Code(rs.Error)
		}
		h.dur.Record(ctx, rs.EndTime.Sub(rs.BeginTime).Seconds(), h.options(ci, code)...)
	}
}

// options returns the call's attribute set as record options, made once
// per method, code and replica while fewer than maxCachedSets are kept.
func (h *rpcStats) options(ci *callInfo, code codes.Code) []metric.RecordOption {
	key := setKey{method: ci.method, code: code}
	cacheable := true
	if ci.addr != nil {
		if tcp, ok := ci.addr.(*net.TCPAddr); ok {
			ap := tcp.AddrPort()
			key.addr = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		} else {
			cacheable = false
		}
	}
	if cacheable {
		if o, ok := h.sets.Load(key); ok {
			return o.([]metric.RecordOption)
		}
	}
	o := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(h.attrs(ci, code)...))}
	if cacheable && h.count.Load() < maxCachedSets {
		if _, loaded := h.sets.LoadOrStore(key, o); !loaded {
			h.count.Add(1)
		}
	}
	return o
}

// attrs are otelgrpc's metric attributes of a call (stats_handler.go,
// semconv v1.43): rpc.method, rpc.system.name, a client's server.address
// and server.port, rpc.response.status_code, and error.type when the call
// failed (for a server, only with the codes that are its own fault).
func (h *rpcStats) attrs(ci *callInfo, code codes.Code) []attribute.KeyValue {
	var kv []attribute.KeyValue
	if name, ok := strings.CutPrefix(ci.method, "/"); ok {
		kv = append(kv, semconv.RPCMethod(name))
	}
	kv = append(kv, semconv.RPCSystemNameGRPC)
	if ci.addr != nil {
		kv = append(kv, addrAttrs(ci.addr.String())...)
	}
	name := codeName(code)
	kv = append(kv, semconv.RPCResponseStatusCode(name))
	if code != codes.OK && (h.client || serverFault(code)) {
		kv = append(kv, semconv.ErrorTypeKey.String(name))
	}
	return kv
}

// addrAttrs splits host:port as otelgrpc does.
func addrAttrs(hostport string) []attribute.KeyValue {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return []attribute.KeyValue{semconv.ServerAddress(hostport)}
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return []attribute.KeyValue{semconv.ServerAddress(host)}
	}
	return []attribute.KeyValue{semconv.ServerAddress(host), semconv.ServerPort(p)}
}

// serverFault reports the codes a server's span and metric count as its
// error (otelgrpc's serverStatus); the rest are the caller's.
func serverFault(c codes.Code) bool {
	switch c {
	case codes.Unknown, codes.DeadlineExceeded, codes.Unimplemented, codes.Internal, codes.Unavailable, codes.DataLoss:
		return true
	}
	return false
}

// codeNames are the codes as the metrics name them (otelgrpc's
// canonicalString): CANCELLED, not gRPC-Go's "Canceled".
var codeNames = map[codes.Code]string{
	codes.OK: "OK", codes.Canceled: "CANCELLED", codes.Unknown: "UNKNOWN",
	codes.InvalidArgument: "INVALID_ARGUMENT", codes.DeadlineExceeded: "DEADLINE_EXCEEDED",
	codes.NotFound: "NOT_FOUND", codes.AlreadyExists: "ALREADY_EXISTS",
	codes.PermissionDenied: "PERMISSION_DENIED", codes.ResourceExhausted: "RESOURCE_EXHAUSTED",
	codes.FailedPrecondition: "FAILED_PRECONDITION", codes.Aborted: "ABORTED",
	codes.OutOfRange: "OUT_OF_RANGE", codes.Unimplemented: "UNIMPLEMENTED",
	codes.Internal: "INTERNAL", codes.Unavailable: "UNAVAILABLE", codes.DataLoss: "DATA_LOSS",
	codes.Unauthenticated: "UNAUTHENTICATED",
}

func codeName(c codes.Code) string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return "CODE(" + strconv.FormatInt(int64(c), 10) + ")"
}
