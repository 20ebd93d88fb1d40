package grpcx

import (
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"google.golang.org/grpc"
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
	}, opts...)
	registerBalancer()
	cc, err := grpc.NewClient(target, all...)
	if err != nil {
		return nil, fmt.Errorf("grpc client for %s: %w", target, err)
	}
	return cc, nil
}
