// Package server wires the guides service: its buckets, the pool's
// consumers of the participants' and volunteers' events, the job runner and
// the gRPC server. The service's own main and the embedded stack both run
// it, so the two run modes share one wiring.
package server

import (
	"context"
	"fmt"
	"net"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
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

// ResultTTL is how long job results (unassigned newcomers and why) are kept.
const ResultTTL = 30 * 24 * time.Hour

// Options are the service's own settings.
type Options struct {
	// RulesDir holds "<organisation id>.yaml" or "default.yaml" rule files
	// (GUIDES_RULES_DIR); empty uses the built-in default only.
	RulesDir string
	// JobAckWait is how long a job may go silent before another replica
	// takes it over (default jobs.DefaultAckWait, 5 s; tests use less).
	JobAckWait time.Duration
	// TracerProvider traces job runs (default the global one).
	TracerProvider trace.TracerProvider
	// JobHooks and StoreHooks inject faults in tests; nil in production.
	JobHooks   *jobs.Hooks
	StoreHooks *store.Hooks
	// Grace is how long an acceptance's reservation may wait for its
	// transition before the kit's Recover sweep resolves it (default 5s;
	// tests use less). ProposalHooks inject faults into acceptances.
	Grace         time.Duration
	ProposalHooks *proposal.Hooks
}

// OptionsFromEnv reads the service's own settings: GUIDES_RULES_DIR.
func OptionsFromEnv(getenv func(string) string) Options {
	return Options{RulesDir: getenv("GUIDES_RULES_DIR")}
}

// Run serves the guides service on addr until ctx ends. ready, if not nil,
// is called with the listening address once the service accepts calls.
func Run(ctx context.Context, addr string, d service.Deps, o Options, ready func(net.Addr)) error {
	d = d.WithDefaults()
	files, err := eligibility.LoadDir(o.RulesDir)
	if err != nil {
		return fmt.Errorf("guides: %w", err)
	}
	if err := events.EnsureStream(ctx, d.JS, events.StreamConfig{
		Name: events.StreamGuides, Subjects: []string{events.GuidesSubjects}, Replicas: d.Replicas,
	}); err != nil {
		return fmt.Errorf("guides: stream: %w", err)
	}
	pub := events.NewPublisher(d.JS)
	acfg := guides.RepoConfig(pub)
	acfg.Replicas, acfg.Logger, acfg.Hooks = d.Replicas, d.Logger, o.StoreHooks
	// An assignment (and its events) is about its newcomer: sealed with
	// their key, shredded when they are erased.
	acfg.Keyring, acfg.Subject = d.Keyring, func(_ string, a *pb.Assignment) string { return a.GetParticipantId() }
	assignments, err := store.Open(ctx, d.JS, acfg)
	if err != nil {
		return fmt.Errorf("guides: %w", err)
	}
	defer assignments.Close()
	rcfg := guides.RulesConfig(pub)
	rcfg.Replicas, rcfg.Logger = d.Replicas, d.Logger
	rules, err := store.Open(ctx, d.JS, rcfg)
	if err != nil {
		return fmt.Errorf("guides: %w", err)
	}
	defer rules.Close()
	pl, err := pool.Open(ctx, d.JS, d.Replicas, d.Keyring)
	if err != nil {
		return fmt.Errorf("guides: %w", err)
	}
	defer pl.Close()
	slots, err := proposal.OpenSlots(ctx, d.JS, guides.SlotBucket, d.Replicas, d.Now)
	if err != nil {
		return fmt.Errorf("guides: %w", err)
	}
	data, err := jobs.OpenData(ctx, d.JS, guides.DataStore, d.Replicas, ResultTTL, d.Keyring)
	if err != nil {
		return fmt.Errorf("guides: %w", err)
	}
	svc := guides.New(guides.Deps{Pool: pl, Assignments: assignments, Rules: rules, Slots: slots, Data: data,
		Files: files, Publisher: pub, Now: d.Now, Logger: d.Logger, Grace: o.Grace, Hooks: o.ProposalHooks,
		Purge: func(ctx context.Context, id string) error {
			return events.PurgeSubjectID(ctx, d.JS, events.StreamGuides, "guides", id)
		}})
	pl.SetLeaver(svc.Leave)
	jm, err := jobs.Open(ctx, d.JS, jobs.Config{
		Name: guides.JobKind, Replicas: d.Replicas, AckWait: o.JobAckWait, OnFinish: svc.FinishJob,
		Tally: svc.Tally, Data: data, Redact: guides.Redact,
		RulesVersion: func(org string) string { return files.For(org).Digest() },
		Now:          d.Now, IDs: d.IDs, Logger: d.Logger, Hooks: o.JobHooks, TracerProvider: o.TracerProvider,
	})
	if err != nil {
		return fmt.Errorf("guides: %w", err)
	}
	defer jm.Close()
	svc.SetJobs(jm)

	return service.RunProgramme(ctx, addr, d, service.Programme{
		Name:     "guides",
		Register: func(srv *grpc.Server) { pb.RegisterGuideServiceServer(srv, grpcapi.New(svc)) },
		Actors: []func(context.Context) error{
			func(ctx context.Context) error { return jm.Run(ctx, jm.Pipeline(svc.Steps())) },
			func(ctx context.Context) error {
				// Reservations a crash left between their two steps are
				// completed or released within seconds, as in mentoring.
				svc.RunSweeps(ctx)
				return nil
			},
		},
		Consumers: []service.Consumer{
			{Stream: events.StreamParticipants, Durable: ParticipantsDurable, Filter: events.ParticipantEvents, Handler: pl.HandleParticipant, Stamped: true},
			// One at a time: organisation events are few, and in order
			// they need no stamps to be applied right.
			{Stream: events.StreamVolunteers, Durable: VolunteersDurable, Filter: events.OrganisationEvents, Concurrency: 1, Handler: pl.HandleVolunteer, Stamped: true},
		},
	}, ready)
}
