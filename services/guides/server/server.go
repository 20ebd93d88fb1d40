// Package server wires the guides service on the programme kit
// (service.OpenKit): its buckets, the pool's
// consumers of the participants' and volunteers' events, the job runner and
// the gRPC server. The service's own main and the embedded stack both run
// it, so the two run modes share one wiring.
package server

import (
	"context"
	"net"

	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	kitpool "github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/services/guides/internal/eligibility"
	"github.com/motesplats/motesplats/services/guides/internal/grpcapi"
	"github.com/motesplats/motesplats/services/guides/internal/guides"
	"github.com/motesplats/motesplats/services/guides/internal/pool"
)

// DefaultAddr is where the service listens unless told otherwise.
var DefaultAddr = service.Guides.Addr

// Durable consumer names; replicas share them.
const (
	ParticipantsDurable = "guides-participants"
	VolunteersDurable   = "guides-volunteers"
)

// Options are the service's settings: the kit's, as for every programme.
type Options = service.ProgrammeOptions

// OptionsFromEnv reads the service's own settings: GUIDES_RULES_DIR,
// GUIDES_JOB_RETENTION and GUIDES_RESULT_TTL (Go durations; empty: the
// default). A bad value is an error naming its variable, which Main
// reports before the service starts (ADR 0186).
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	return service.ProgrammeOptionsFromEnv("GUIDES", getenv)
}

// Run serves the guides service on addr until ctx ends. ready, if not nil,
// is called with the listening address once the service accepts calls.
func Run(ctx context.Context, addr string, d service.Deps, o Options, ready func(net.Addr)) error {
	return service.RunKit(ctx, addr, d, o, service.KitConfig{Name: guides.JobKind,
		Stream: events.StreamGuides, Subjects: events.GuidesSubjects, SlotBucket: guides.SlotBucket, DataStore: guides.DataStore}, build, ready)
}

// build makes the guides service on its kit: what it supplies.
func build(ctx context.Context, k *service.Kit) (service.Served, error) {
	d, o := k.Deps, k.Options
	files, err := eligibility.LoadDir(o.RulesDir)
	if err != nil {
		return service.Served{}, k.Errorf(err)
	}
	acfg := guides.RepoConfig(k.Publisher)
	acfg.Hooks = o.StoreHooks
	// An assignment (and its events) is about its newcomer: sealed with
	// their key, shredded when they are erased.
	acfg.Keyring, acfg.Subject = d.Keyring, func(_ string, a *pb.Assignment) string { return a.GetParticipantId() }
	assignments, err := service.OpenStore(ctx, k, acfg)
	if err != nil {
		return service.Served{}, err
	}
	rules, err := service.OpenStore(ctx, k, guides.RulesConfig(k.Publisher))
	if err != nil {
		return service.Served{}, err
	}
	pl, err := pool.Open(ctx, d.JS, d.Keyring)
	if err != nil {
		return service.Served{}, k.Errorf(err)
	}
	k.OnClose(pl.Close)
	if o.Pools != nil {
		o.Pools(pl.Sides())
	}
	svc := guides.New(guides.Deps{Pool: pl, Assignments: assignments, Rules: rules, Slots: k.Slots, Data: k.Data,
		Files: files, Publisher: k.Publisher, Now: d.Now, Logger: d.Logger, Grace: o.Grace, Hooks: o.ProposalHooks,
		Purge: func(ctx context.Context, id string) error {
			return events.PurgeSubjectID(ctx, d.JS, events.StreamGuides, "guides", id)
		}})
	pl.SetLeaver(svc.Leave)
	pl.SetResized(svc.Resized)
	people := service.PeopleConsumers(ParticipantsDurable, VolunteersDurable, pl.HandleParticipantLeave, pl.HandleOrganisationChange)
	// Organisations only (their updates and deletions), one at a time:
	// their events are few, and resizing them in order is simplest.
	people[1].Filters, people[1].Concurrency = kitpool.Organisations.LeaveTypes(), 1
	return service.Served{
		Register: func(srv *grpc.Server) { pb.RegisterGuideServiceServer(srv, grpcapi.New(svc)) },
		Jobs: jobs.Config{OnFinish: svc.FinishJob, Tally: svc.Tally, Redact: guides.Redact, MaxMunicipalities: guides.MaxMunicipalities,
			RulesVersion: func(org string) string { return files.For(org).Digest() }},
		Steps: svc.Steps(), SetJobs: svc.SetJobs, Sweep: svc.RunSweeps, Consumers: people,
	}, nil
}
