// Package server wires the dinners service on the programme kit
// (service.OpenKit): its buckets, the pool's consumers, the job runner,
// the invitation sweep and the gRPC server. The
// service's own main and the embedded stack both run it, so the two run
// modes share one wiring.
package server

import (
	"context"
	"net"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/service"
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

// Options are the service's settings: the kit's, as for every programme.
type Options = service.ProgrammeOptions

// OptionsFromEnv reads the service's own settings: DINNERS_RULES_DIR,
// DINNERS_JOB_RETENTION and DINNERS_RESULT_TTL (Go durations; empty: the
// default). A bad value is an error naming its variable, which Main
// reports before the service starts (ADR 0186).
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	return service.ProgrammeOptionsFromEnv("DINNERS", getenv)
}

// Run serves the dinners service on addr until ctx ends. ready, if not
// nil, is called with the listening address once the service accepts
// calls.
func Run(ctx context.Context, addr string, d service.Deps, o Options, ready func(net.Addr)) error {
	return service.RunKit(ctx, addr, d, o, service.KitConfig{Name: dinners.JobKind,
		Stream: events.StreamDinners, Subjects: events.DinnersSubjects, SlotBucket: dinners.SeatBucket, DataStore: dinners.DataStore}, build, ready)
}

// build makes the dinners service on its kit: what it supplies.
func build(ctx context.Context, k *service.Kit) (service.Served, error) {
	d, o := k.Deps, k.Options
	rs, err := rules.LoadDir(o.RulesDir)
	if err != nil {
		return service.Served{}, k.Errorf(err)
	}
	ocfg, scfg, pcfg := dinners.OfferConfig(), dinners.SignUpConfig(), dinners.SeatingConfig(k.Publisher, d.JS)
	ocfg.Keyring, scfg.Keyring = d.Keyring, d.Keyring
	pcfg.Hooks, pcfg.Keyring = o.StoreHooks, d.Keyring
	offers, err := service.OpenStore(ctx, k, ocfg)
	if err != nil {
		return service.Served{}, err
	}
	signups, err := service.OpenStore(ctx, k, scfg)
	if err != nil {
		return service.Served{}, err
	}
	seatings, err := service.OpenStore(ctx, k, pcfg)
	if err != nil {
		return service.Served{}, err
	}
	pl, err := pool.Open(ctx, d.JS, nil, d.Keyring)
	if err != nil {
		return service.Served{}, k.Errorf(err)
	}
	k.OnClose(pl.Close)
	if o.Pools != nil {
		o.Pools(pl.Sides())
	}
	svc := dinners.New(dinners.Deps{Offers: offers, SignUps: signups, Seatings: seatings, Pool: pl, Seats: k.Slots, Data: k.Data,
		Publisher: k.Publisher, Rules: rs, Now: d.Now, IDs: d.IDs, Logger: d.Logger, Tuning: o.Tuning()})
	pl.SetLeaver(svc.Leave)
	return service.Served{
		Register: func(srv *grpc.Server) { pb.RegisterDinnerServiceServer(srv, grpcapi.New(svc)) },
		Jobs: jobs.Config{OnFinish: svc.FinishJob, Tally: svc.Tally, Redact: dinners.Redact,
			Schedules: svc.Schedules, RulesVersion: svc.RulesVersion},
		Steps: svc.Steps(), SetJobs: svc.SetJobs, Sweep: svc.Run,
		Consumers: service.PeopleConsumers(ParticipantsDurable, VolunteersDurable, pl.HandleParticipantLeave, pl.HandleVolunteerLeave),
	}, nil
}
