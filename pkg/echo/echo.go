// Package echo is the baseline for load runs: a gRPC EchoService that does
// nothing but answer with its request's payload. Comparing a real RPC (a
// cached Get) against it under the same load tool on the same machine shows
// what the service's own work costs, independent of how fast the machine is.
package echo

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"

	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
)

// Server implements motesplats.bench.v1.EchoService.
type Server struct {
	benchv1.UnimplementedEchoServiceServer
}

// Echo returns the request's payload, and does no other work.
func (Server) Echo(_ context.Context, req *benchv1.EchoRequest) (*benchv1.EchoResponse, error) {
	return &benchv1.EchoResponse{Payload: req.GetPayload()}, nil
}

// NewServer returns a gRPC server with the EchoService registered, built
// by grpcx.NewServer like every service: otelgrpc, logging, recovery and
// error mapping included, so a comparison measures the service's handler
// and storage, not the shared stack. Only auth is left out, so the load
// tool needs no token; the comparison thus charges token verification to
// the service, where it belongs.
// Pass Options to add interceptors or set providers; serve with grpcx.Serve.
func NewServer(o grpcx.Options) (*grpc.Server, *health.Server) {
	srv, hs := grpcx.NewServer(o)
	benchv1.RegisterEchoServiceServer(srv, Server{})
	return srv, hs
}
