// Package grpcx is the gRPC plumbing every service shares: a server with
// tracing, recovery, logging and domain-error mapping in one fixed order,
// health and reflection, graceful shutdown, and a client constructor. Errors
// map from pkg/apperr to gRPC codes here and nowhere else.
package grpcx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/stats"
)

// DefaultMaxRecvMsgSize bounds a request. gRPC's own default, stated so a
// change is deliberate: a 10 MB name is refused before it is decoded.
const DefaultMaxRecvMsgSize = 4 << 20

// streamWorkers is how many calls a server runs at once on reused
// goroutines. A create holds its worker for a few milliseconds of writes,
// so 64 covers thousands of calls a second; calls beyond it get a goroutine
// of their own.
const streamWorkers = 64

// Options configures NewServer. The zero value is a working server.
type Options struct {
	// Logger receives one line per call and the details behind Internal
	// errors and panics; nil means slog.Default().
	Logger *slog.Logger
	// UnaryInterceptors run after recovery, logging and error mapping and
	// before the handler: auth goes here, so its refusals are logged and a
	// panic in it is recovered. A request that did not decode is answered
	// after them (InvalidArgument); until then it is an empty message.
	UnaryInterceptors []grpc.UnaryServerInterceptor
	// StreamInterceptors are the streaming counterpart of UnaryInterceptors.
	StreamInterceptors []grpc.StreamServerInterceptor
	// MaxRecvMsgSize in bytes; 0 means DefaultMaxRecvMsgSize.
	MaxRecvMsgSize int
	// TracerProvider feeds otelgrpc; nil means the otel global that
	// telemetry.Setup installs. Tests pass their own to run in parallel.
	TracerProvider trace.TracerProvider
	// MeterProvider feeds the RPC duration metric and the panic counter; nil
	// means the otel global.
	MeterProvider metric.MeterProvider
	// ServerOptions are appended last, for example TLS credentials.
	ServerOptions []grpc.ServerOption
}

// Keepalive settings. Clients made by Dial ping every 30 s, which the
// enforcement minimum must allow or the server would close their
// connections for "too many pings". MaxConnectionAge makes clients
// reconnect now and then, so new replicas behind a DNS name get traffic.
var (
	keepaliveEnforcement = keepalive.EnforcementPolicy{MinTime: 10 * time.Second, PermitWithoutStream: true}
	keepaliveServer      = keepalive.ServerParameters{
		Time:                  time.Minute,
		Timeout:               20 * time.Second,
		MaxConnectionAge:      5 * time.Minute,
		MaxConnectionAgeGrace: 30 * time.Second,
	}
)

// NewServer returns a server with the shared stack, and its health server
// with every service SERVING. Register the service implementations on the
// server, then call Serve.
//
// The interceptor chain, outermost first, and why:
//
//  1. logging: sees every call's final code, panics and auth refusals
//     included, with its duration; it also forgets the codec's record of a
//     request that did not decode however the call ends, so a refused call
//     leaves nothing behind (decode.go);
//  2. recovery: everything below it may panic without killing the process;
//  3. error mapping: turns handler and interceptor errors into status
//     errors, logging Internal details;
//  4. Options.UnaryInterceptors (auth): refuses before the handler runs;
//  5. decoding: a request that is not valid protobuf, or has more than
//     MaxRepeated entries in a list, is refused with InvalidArgument here
//     (the server's codec only marks it; see codec.go), after auth, so a
//     caller without a valid token learns nothing about the input.
//
// Tracing is the otelgrpc stats handler rather than an interceptor: it
// runs before all of them, so the logs carry its trace id, and it records
// the status the client actually receives. Health checks are not traced:
// probes every few seconds would drown the real traces. The call duration
// metric is recorded beside otelgrpc's spans, with attribute sets made once
// per method and code (rpcstats.go).
func NewServer(o Options) (*grpc.Server, *health.Server) {
	srv, hs, _ := newServer(o)
	return srv, hs
}

// newServer is NewServer that also returns the server's codec, so tests
// can see which decoding failures it still holds.
func newServer(o Options) (*grpc.Server, *health.Server, *codec) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	maxRecv := o.MaxRecvMsgSize
	if maxRecv <= 0 {
		maxRecv = DefaultMaxRecvMsgSize
	}
	mp := o.MeterProvider
	if mp == nil {
		mp = otel.GetMeterProvider()
	}

	dec := &codec{}
	unary, stream := chains(o, log, mp, dec)

	opts := append([]grpc.ServerOption{
		grpc.ForceServerCodecV2(dec),
		grpc.StatsHandler(newServerStats(mp, o.TracerProvider, notHealth)),
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
		grpc.MaxRecvMsgSize(maxRecv),
		grpc.KeepaliveEnforcementPolicy(keepaliveEnforcement),
		grpc.KeepaliveParams(keepaliveServer),
		// Handlers run on long-lived workers instead of a new goroutine
		// per call: a create's handler goes deep (store, seal, nats.go's
		// JSON acknowledgement decoding), and every fresh goroutine grew its
		// stack from 2 KB again, 5% of a create's CPU in `make load`
		// (docs/adr/0112). gRPC starts a goroutine as before when all
		// workers are busy, so this never queues a call.
		grpc.NumStreamWorkers(streamWorkers),
	}, o.ServerOptions...)

	srv := grpc.NewServer(opts...)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
	return srv, hs, dec
}

// chains returns the server's unary and stream interceptors, outermost
// first, in the order NewServer documents.
func chains(o Options, log *slog.Logger, mp metric.MeterProvider, dec *codec) ([]grpc.UnaryServerInterceptor, []grpc.StreamServerInterceptor) {
	rec := newRecoverer(log, mp)
	unary := append([]grpc.UnaryServerInterceptor{
		unaryOutermost(log, dec), rec.unary(), unaryErrors(log),
	}, o.UnaryInterceptors...)
	stream := append([]grpc.StreamServerInterceptor{
		streamOutermost(log, dec), rec.stream(), streamErrors(log),
	}, o.StreamInterceptors...)
	return append(unary, dec.unary()), append(stream, dec.stream())
}

// notHealth lets every call but health checks be traced and measured. It
// is otelgrpc's filters.Not(filters.HealthCheck()) without splitting
// every call's method name into service and method (2 µs a create).
func notHealth(info *stats.RPCTagInfo) bool {
	return !strings.HasPrefix(info.FullMethodName, "/"+healthpb.Health_ServiceDesc.ServiceName+"/")
}

// Serve serves on lis until ctx is done, then shuts down: health turns
// NOT_SERVING so load balancers and probes stop sending new calls, and
// GracefulStop lets in-flight calls finish. If they take longer than
// shutdownTimeout, Stop cuts them off. Serve returns nil after a shutdown
// caused by ctx, and the listener's error if serving fails on its own.
//
// A handler that ignores its cancelled context keeps its goroutine after
// Stop; Serve does not wait for it, so the process can still exit.
func Serve(ctx context.Context, srv *grpc.Server, hs *health.Server, lis net.Listener, shutdownTimeout time.Duration) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()

	select {
	case err := <-served:
		// Serving ended without being asked to: report it, and leave the
		// server in a state where its resources are freed.
		hs.Shutdown()
		srv.Stop()
		if err == nil || errors.Is(err, grpc.ErrServerStopped) {
			return errors.New("grpc server stopped unexpectedly")
		}
		return fmt.Errorf("serve grpc on %s: %w", lis.Addr(), err)
	case <-ctx.Done():
	}

	hs.Shutdown()
	graceful := make(chan struct{})
	go func() {
		srv.GracefulStop()
		close(graceful)
	}()
	timer := time.NewTimer(shutdownTimeout)
	defer timer.Stop()
	select {
	case <-graceful:
	case <-timer.C:
		srv.Stop()
	}
	// Serve returns nil once either stop has closed every connection.
	if err := <-served; err != nil {
		return fmt.Errorf("serve grpc on %s: %w", lis.Addr(), err)
	}
	return nil
}
