// Package server wires the dinners service: its buckets, the pool's
// consumers, the job runner, the invitation sweep and the gRPC server. The
// service's own main and the embedded stack both run it, so the two run
// modes share one wiring.
package server

import (
	"context"
	"fmt"
	"net"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/services/dinners/internal/dinners"
	"github.com/motesplats/motesplats/services/dinners/internal/grpcapi"
	"github.com/motesplats/motesplats/services/dinners/internal/pool"
	"github.com/motesplats/motesplats/services/dinners/internal/rules"
)

// DefaultAddr is where the service listens unless told otherwise; it comes
// from pkg/service so the stack and the gateway agree on it.
var DefaultAddr = service.Dinners.Addr

// Durable consumer names; replicas share them.
const (
	ParticipantsDurable = "dinners-participants"
	VolunteersDurable   = "dinners-volunteers"
)

// ResultTTL is how long job results (unseated parties and why) are kept.
const ResultTTL = 30 * 24 * time.Hour

// Options are the service's own settings.
type Options struct {
	// RulesDir holds "<organisation id>.yaml" rule files
	// (DINNERS_RULES_DIR); empty uses the built-in default only.
	RulesDir string
	// JobAckWait is how long a job may go silent before another replica
	// takes it over (default jobs.DefaultAckWait, 5 s; tests use less).
	JobAckWait time.Duration
	// SweepEvery is how often invitations are expired (default 1 minute).
	SweepEvery time.Duration
	// JobRetention is how long finished job records are kept.
	JobRetention time.Duration
	// TracerProvider traces job runs (default the global one).
	TracerProvider trace.TracerProvider
	// JobHooks and StoreHooks inject faults in tests; nil in production.
	JobHooks   *jobs.Hooks
	StoreHooks *store.Hooks
}

// OptionsFromEnv reads the service's own settings: DINNERS_RULES_DIR.
func OptionsFromEnv(getenv func(string) string) Options {
	return Options{RulesDir: getenv("DINNERS_RULES_DIR")}
}

// Run serves the dinners service on addr until ctx ends. ready, if not
// nil, is called with the listening address once the service accepts
// calls.
func Run(ctx context.Context, addr string, d service.Deps, o Options, ready func(net.Addr)) error {
	d = d.WithDefaults()
	if o.SweepEvery <= 0 {
		o.SweepEvery = time.Minute
	}
	rs, err := rules.LoadDir(o.RulesDir)
	if err != nil {
		return fmt.Errorf("dinners: %w", err)
	}
	if err := events.EnsureStream(ctx, d.JS, events.StreamConfig{
		Name: events.StreamDinners, Subjects: []string{events.DinnersSubjects}, Replicas: d.Replicas,
	}); err != nil {
		return fmt.Errorf("dinners: stream: %w", err)
	}
	pub := events.NewPublisher(d.JS)
	ocfg, scfg, pcfg := dinners.OfferConfig(), dinners.SignUpConfig(), dinners.SeatingConfig(pub, d.JS)
	ocfg.Replicas, ocfg.Logger, ocfg.Keyring = d.Replicas, d.Logger, d.Keyring
	scfg.Replicas, scfg.Logger, scfg.Keyring = d.Replicas, d.Logger, d.Keyring
	pcfg.Replicas, pcfg.Logger, pcfg.Hooks, pcfg.Keyring = d.Replicas, d.Logger, o.StoreHooks, d.Keyring
	offers, err := store.Open(ctx, d.JS, ocfg)
	if err != nil {
		return fmt.Errorf("dinners: %w", err)
	}
	defer offers.Close()
	signups, err := store.Open(ctx, d.JS, scfg)
	if err != nil {
		return fmt.Errorf("dinners: %w", err)
	}
	defer signups.Close()
	seatings, err := store.Open(ctx, d.JS, pcfg)
	if err != nil {
		return fmt.Errorf("dinners: %w", err)
	}
	defer seatings.Close()
	pl, err := pool.Open(ctx, d.JS, d.Replicas, nil, d.Keyring)
	if err != nil {
		return fmt.Errorf("dinners: %w", err)
	}
	defer pl.Close()
	seats, err := proposal.OpenSlots(ctx, d.JS, dinners.SeatBucket, d.Replicas, d.Now)
	if err != nil {
		return fmt.Errorf("dinners: %w", err)
	}
	data, err := jobs.OpenData(ctx, d.JS, dinners.DataStore, d.Replicas, ResultTTL, d.Keyring)
	if err != nil {
		return fmt.Errorf("dinners: %w", err)
	}
	svc := dinners.New(dinners.Deps{Offers: offers, SignUps: signups, Seatings: seatings, Pool: pl, Seats: seats, Data: data,
		Publisher: pub, Rules: rs, Now: d.Now, IDs: d.IDs, Logger: d.Logger})
	pl.SetLeaver(svc.Leave)
	jm, err := jobs.Open(ctx, d.JS, jobs.Config{
		Name: dinners.JobKind, Replicas: d.Replicas, AckWait: o.JobAckWait, OnFinish: svc.FinishJob,
		Tally: svc.Tally, Data: data, Redact: dinners.Redact, Retention: o.JobRetention,
		Schedules: svc.Schedules, RulesVersion: svc.RulesVersion,
		Now: d.Now, IDs: d.IDs, Logger: d.Logger, Hooks: o.JobHooks, TracerProvider: o.TracerProvider,
	})
	if err != nil {
		return fmt.Errorf("dinners: %w", err)
	}
	defer jm.Close()
	svc.SetJobs(jm)

	return service.RunProgramme(ctx, addr, d, service.Programme{
		Name:           "dinners",
		Register:       func(srv *grpc.Server) { pb.RegisterDinnerServiceServer(srv, grpcapi.New(svc)) },
		TracerProvider: o.TracerProvider,
		Actors: []func(context.Context) error{
			func(ctx context.Context) error { return jm.Run(ctx, jm.Pipeline(svc.Steps())) },
			func(ctx context.Context) error { return svc.Run(ctx, o.SweepEvery) },
		},
		Consumers: []service.Consumer{
			{Stream: events.StreamParticipants, Durable: ParticipantsDurable, Filter: events.ParticipantEvents, Handler: pl.HandleParticipant, Stamped: true},
			{Stream: events.StreamVolunteers, Durable: VolunteersDurable, Filter: events.VolunteerEvents, Handler: pl.HandleVolunteer, Stamped: true},
		},
	}, ready)
}
