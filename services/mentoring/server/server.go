// Package server wires the mentoring service: its buckets, the candidate
// pool's consumers, the job runner and the gRPC server. The service's own
// main and the embedded stack both run it, so the two run modes share one
// wiring.
package server

import (
	"context"
	"fmt"
	"net"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/store"
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

// ResultTTL is how long job results (unmatched newcomers and why), and the
// snapshot of a failed job that may be resumed, are kept by default.
const ResultTTL = 30 * 24 * time.Hour

// Options are the service's own settings.
type Options struct {
	// RulesDir holds "<organisation id>.yaml" rule files
	// (MENTORING_RULES_DIR); empty uses the built-in default only.
	RulesDir string
	// JobAckWait is how long a job may go silent before another replica
	// takes it over (default jobs.DefaultAckWait, 5 s; tests use less).
	JobAckWait time.Duration
	// SweepEvery is how often offers are expired (default 1 minute).
	// Schedules and job retention are checked by the job runner every
	// JobAckWait.
	SweepEvery time.Duration
	// JobRetention is how long finished job records are kept
	// (MENTORING_JOB_RETENTION; default jobs.DefaultRetention, 90 days).
	JobRetention time.Duration
	// ResultTTL is how long job results are kept (MENTORING_RESULT_TTL;
	// default ResultTTL, 30 days).
	ResultTTL time.Duration
	// TracerProvider traces requests and job runs (default the global
	// one); tests pass their own.
	TracerProvider trace.TracerProvider
	// JobHooks and StoreHooks inject faults in tests; nil in production.
	JobHooks   *jobs.Hooks
	StoreHooks *store.Hooks

	// envErr is a bad setting OptionsFromEnv found; Run reports it.
	envErr error
}

// OptionsFromEnv reads the service's own settings: MENTORING_RULES_DIR,
// MENTORING_JOB_RETENTION and MENTORING_RESULT_TTL (Go durations such as
// "2160h"; empty: the default). A bad value makes Run fail with its name.
// The rest of Options are for tests.
func OptionsFromEnv(getenv func(string) string) Options {
	o := Options{RulesDir: getenv("MENTORING_RULES_DIR")}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{"MENTORING_JOB_RETENTION", &o.JobRetention}, {"MENTORING_RESULT_TTL", &o.ResultTTL}} {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		t, err := time.ParseDuration(v)
		if err != nil || t < time.Hour {
			o.envErr = fmt.Errorf("%s: %q is not a duration of at least 1h", d.name, v)
			continue
		}
		*d.to = t
	}
	return o
}

// Run serves the mentoring service on addr until ctx ends. ready, if not
// nil, is called with the listening address once the service accepts calls.
func Run(ctx context.Context, addr string, d service.Deps, o Options, ready func(net.Addr)) error {
	d = d.WithDefaults()
	if o.envErr != nil {
		return fmt.Errorf("mentoring: %w", o.envErr)
	}
	if o.ResultTTL <= 0 {
		o.ResultTTL = ResultTTL
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = time.Minute
	}
	rs, err := rules.LoadDir(o.RulesDir)
	if err != nil {
		return fmt.Errorf("mentoring: %w", err)
	}
	if err := events.EnsureStream(ctx, d.JS, events.StreamConfig{
		Name: events.StreamMentoring, Subjects: []string{events.MentoringSubjects}, Replicas: d.Replicas,
	}); err != nil {
		return fmt.Errorf("mentoring: stream: %w", err)
	}
	pub := events.NewPublisher(d.JS)
	rcfg := pairs.RepoConfig(pub, d.JS)
	rcfg.Replicas, rcfg.Logger, rcfg.Hooks = d.Replicas, d.Logger, o.StoreHooks
	repo, err := store.Open(ctx, d.JS, rcfg)
	if err != nil {
		return fmt.Errorf("mentoring: %w", err)
	}
	defer repo.Close()
	pl, err := pool.Open(ctx, d.JS, d.Replicas, nil, d.Keyring)
	if err != nil {
		return fmt.Errorf("mentoring: %w", err)
	}
	defer pl.Close()
	slots, err := proposal.OpenSlots(ctx, d.JS, pairs.SlotBucket, d.Replicas, d.Now)
	if err != nil {
		return fmt.Errorf("mentoring: %w", err)
	}
	data, err := jobs.OpenData(ctx, d.JS, pairs.DataStore, d.Replicas, o.ResultTTL, d.Keyring)
	if err != nil {
		return fmt.Errorf("mentoring: %w", err)
	}
	svc := pairs.New(pairs.Deps{Repo: repo, Pool: pl, Slots: slots, Data: data, JS: d.JS, Publisher: pub, Rules: rs,
		Now: d.Now, IDs: d.IDs, Logger: d.Logger})
	pl.SetLeaver(svc.Leave)
	jm, err := jobs.Open(ctx, d.JS, jobs.Config{
		Name: pairs.JobKind, Replicas: d.Replicas, AckWait: o.JobAckWait, OnFinish: svc.FinishJob,
		Tally: svc.Tally, Data: data, Redact: pairs.Redact, Retention: o.JobRetention,
		Schedules: svc.Schedules, RulesVersion: svc.RulesVersion,
		Now: d.Now, IDs: d.IDs, Logger: d.Logger, Hooks: o.JobHooks, TracerProvider: o.TracerProvider,
	})
	if err != nil {
		return fmt.Errorf("mentoring: %w", err)
	}
	defer jm.Close()
	svc.SetJobs(jm)

	return service.RunProgramme(ctx, addr, d, service.Programme{
		Name:           "mentoring",
		Register:       func(srv *grpc.Server) { pb.RegisterMentoringServiceServer(srv, grpcapi.New(svc)) },
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
