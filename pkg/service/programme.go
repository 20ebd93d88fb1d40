package service

import (
	"context"
	"net"
	"slices"

	"go.opentelemetry.io/otel/trace"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/grpcx"
)

// Consumer is one durable consumer of another service's stream that a
// programme runs, such as its pool's participants consumer.
type Consumer struct {
	// Stream and Filter are what it reads (constants in pkg/events);
	// Durable is its name, shared by every replica.
	Stream, Durable, Filter string
	// Filters are more subjects it reads besides Filter (event types, as
	// pkg/pool's Source.LeaveTypes), for a consumer that takes some
	// types of an entity and not others.
	Filters []string
	// Concurrency is how many messages it handles at once (default 4; 1
	// keeps the stream's order).
	Concurrency int
	// Handler applies one event; it must be idempotent.
	Handler events.Handler
	// Stamped says Handler is idempotent by itself (a pkg/pool side:
	// events.Pool applies only events newer than what it stored), so no
	// processed-ids marker is read and written per event (events.Durable).
	Stamped bool
}

// Programme is what a matching programme's server runs: its gRPC API, its
// background actors (the job runner, the proposal sweeps) and its
// consumers. RunProgramme wires the rest the same way for every programme.
type Programme struct {
	// Name of the service ("mentoring"), for logs and errors.
	Name string
	// Register adds the service's API to the gRPC server.
	Register func(*grpc.Server)
	// Actors run until ctx ends; the first error stops the service.
	Actors []func(ctx context.Context) error
	// Consumers of other services' streams.
	Consumers []Consumer
	// TracerProvider traces requests (default the global one).
	TracerProvider trace.TracerProvider
}

// NewServer returns a gRPC server with the platform's options and the
// caller checks (auth interceptors over d.Verifier, then the service
// callers' table, Callers), and its health server.
func NewServer(d Deps, tp trace.TracerProvider) (*grpc.Server, *health.Server) {
	unary, stream := auth.ServerInterceptors(d.Verifier, Callers())
	return grpcx.NewServer(grpcx.Options{
		Logger:             d.Logger,
		TracerProvider:     tp,
		UnaryInterceptors:  unary,
		StreamInterceptors: stream,
	})
}

// RunProgramme serves p on addr until ctx ends or one of its parts fails:
// the gRPC server, every actor and every consumer (durable and idempotent
// with events.RunDurable, waiting for the producer's stream, opening
// sealed payloads with d.Keyring). ready, if not nil, gets the bound
// address. d must have its defaults (Deps.WithDefaults).
func RunProgramme(ctx context.Context, addr string, d Deps, p Programme, ready func(net.Addr)) error {
	srv, hs := NewServer(d, p.TracerProvider)
	p.Register(srv)
	g, gctx := errgroup.WithContext(ctx)
	for _, run := range p.Actors {
		g.Go(func() error { return run(gctx) })
	}
	for _, c := range p.Consumers {
		n := c.Concurrency
		if n <= 0 {
			n = 4
		}
		g.Go(func() error {
			return events.RunDurable(gctx, d.JS, events.Durable{
				Consumer: events.ConsumerConfig{Stream: c.Stream, Durable: c.Durable, FilterSubjects: c.filters(), Concurrency: n},
				Handler:  c.Handler, Logger: d.Logger, Options: []events.Option{events.WithKeyring(d.Keyring)},
				Stamped: c.Stamped, Replicas: d.Replicas,
			})
		})
	}
	g.Go(func() error { return Serve(gctx, p.Name, addr, srv, hs, d, ready) })
	return g.Wait()
}

// filters are Filter and Filters together.
func (c Consumer) filters() []string {
	fs := slices.Clone(c.Filters)
	if c.Filter != "" {
		fs = append(fs, c.Filter)
	}
	return fs
}
