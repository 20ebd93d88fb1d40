// Package server wires the mentoring service on the programme kit
// (service.OpenKit): its pair bucket, the candidate pool and its
// consumers, the job runner and the gRPC server. The service's own main
// and the embedded stack both run it, so the two run modes share one
// wiring.
package server

import (
	"context"
	"net"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/mentoring/internal/grpcapi"
	"github.com/motesplats/motesplats/services/mentoring/internal/pairs"
	"github.com/motesplats/motesplats/services/mentoring/internal/pool"
	"github.com/motesplats/motesplats/services/mentoring/internal/rules"
)

// DefaultAddr is where the service listens unless told otherwise; it comes
// from pkg/service so the stack and the gateway agree on it.
var DefaultAddr = service.Mentoring.Addr

// Durable consumer names; replicas share them.
const (
	ParticipantsDurable = "mentoring-participants"
	VolunteersDurable   = "mentoring-volunteers"
)

// Options are the service's settings: the kit's, as for every programme.
type Options = service.ProgrammeOptions

// OptionsFromEnv reads the service's own settings: MENTORING_RULES_DIR,
// MENTORING_JOB_RETENTION and MENTORING_RESULT_TTL (Go durations; empty: the
// default). A bad value is an error naming its variable, which Main
// reports before the service starts (ADR 0186).
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	return service.ProgrammeOptionsFromEnv("MENTORING", getenv)
}

// Run serves the mentoring service on addr until ctx ends. ready, if not
// nil, is called with the listening address once the service accepts calls.
func Run(ctx context.Context, addr string, d service.Deps, o Options, ready func(net.Addr)) error {
	return service.RunKit(ctx, addr, d, o, service.KitConfig{Name: pairs.JobKind,
		Stream: events.StreamMentoring, Subjects: events.MentoringSubjects, SlotBucket: pairs.SlotBucket, DataStore: pairs.DataStore}, build, ready)
}

// build makes the mentoring service on its kit: what it supplies.
func build(ctx context.Context, k *service.Kit) (service.Served, error) {
	d, o := k.Deps, k.Options
	rs, err := rules.LoadDir(o.RulesDir)
	if err != nil {
		return service.Served{}, k.Errorf(err)
	}
	rcfg := pairs.RepoConfig(k.Publisher, d.JS)
	rcfg.Hooks, rcfg.Keyring = o.StoreHooks, d.Keyring
	repo, err := service.OpenStore(ctx, k, rcfg)
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
	svc := pairs.New(pairs.Deps{Repo: repo, Pool: pl, Slots: k.Slots, Data: k.Data, JS: d.JS, Publisher: k.Publisher, Rules: rs,
		Now: d.Now, IDs: d.IDs, Logger: d.Logger, Tuning: o.Tuning()})
	pl.SetLeaver(svc.Leave)
	return service.Served{
		Register: func(srv *grpc.Server) { pb.RegisterMentoringServiceServer(srv, grpcapi.New(svc)) },
		Jobs: jobs.Config{OnFinish: svc.FinishJob, Tally: svc.Tally, Redact: pairs.Redact,
			Schedules: svc.Schedules, RulesVersion: svc.RulesVersion},
		Steps: svc.Steps(), SetJobs: svc.SetJobs, Sweep: svc.Run,
		Consumers: service.PeopleConsumers(ParticipantsDurable, VolunteersDurable, pl.HandleParticipantLeave, pl.HandleVolunteerLeave),
	}, nil
}
