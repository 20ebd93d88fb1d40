package grpcx

import (
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"
)

// Dial returns a client connection for service-to-service calls, traced by
// otelgrpc (the trace context goes in the metadata; durations recorded as
// in rpcstats.go) and with keepalive pings that notice a dead peer. It connects lazily (grpc.NewClient), so it
// does not fail when the server is not up yet.
//
// Calls are spread round robin over every address the target names (a
// "dns:///participants:7001" name of every pod, or a StaticTarget list), and
// a replica that holds a call past its attempt's timeout is left out for a
// while (guard.go). Each unary call's attempt is bounded
// (ReadAttemptTimeout, KeyedWriteAttemptTimeout, WriteAttemptTimeout) and
// a call safe to repeat is sent once more, to another replica, so a
// stalled replica costs a caller seconds, not the length of the stall
// (ADR 0138). A server stream that goes quiet past StreamQuietBound is
// ended Unavailable and its replica left out the same way, so the caller
// re-opens it on another replica (ADR 0145).
//
// A connection that failed is tried again after at most ReconnectMaxDelay
// (gRPC's default grows to two minutes): a replica or register started
// again after a kill -9 is called again within a second or so.
//
// Transport security is off by default: services talk over loopback in the
// embedded run, or inside a mesh that encrypts between pods. Pass
// grpc.WithTransportCredentials to override; opts apply after the defaults.
func Dial(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	all := append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(newClientStats(otel.GetMeterProvider())),
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 30 * time.Second, Timeout: 10 * time.Second}),
		grpc.WithDefaultServiceConfig(guardConfig),
		grpc.WithChainUnaryInterceptor(boundUnary),
		grpc.WithChainStreamInterceptor(boundStream),
		grpc.WithResolvers(staticBuilder{}),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: reconnectBackoff, MinConnectTimeout: 20 * time.Second}),
	}, opts...)
	registerBalancer()
	cc, err := grpc.NewClient(target, all...)
	if err != nil {
		return nil, fmt.Errorf("grpc client for %s: %w", target, err)
	}
	return cc, nil
}

// ReconnectMaxDelay is the longest pause between two connection attempts
// to a service's address. The services are peers inside one deployment
// (loopback, or pods of one cluster), where an attempt costs a TCP
// handshake; gRPC's default, growing by 1.6 from 1 s to 2 minutes, left
// a caller unanswered for 8-17 s after a register killed for half a
// minute had come back (notify's waiting messages, ADR 0194; the
// gateway's 5-6 s in ADR 0190).
const ReconnectMaxDelay = time.Second

// reconnectBackoff is gRPC's backoff with ReconnectMaxDelay as its cap
// and a shorter first pause.
var reconnectBackoff = backoff.Config{BaseDelay: 200 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: ReconnectMaxDelay}
