package service

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/envvar"
	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// DefaultResultTTL is how long a programme's job results (who was left
// unmatched and why), and the snapshot of a failed job that may be
// resumed, are kept unless ProgrammeOptions.ResultTTL says otherwise.
const DefaultResultTTL = 30 * 24 * time.Hour

// ProgrammeOptions are the settings every matching programme's server
// takes. Each programme's server.Options is this type, so the three
// programmes read, default and wire their settings in one place and a
// test sets them the same way for each.
type ProgrammeOptions struct {
	// RulesDir holds "<organisation id>.yaml" rule files
	// (<PREFIX>_RULES_DIR); empty uses the built-in default only.
	RulesDir string
	// JobAckWait is how long a job may go silent before another replica
	// takes it over (default jobs.DefaultAckWait, 5 s; tests use less).
	JobAckWait time.Duration
	// SweepEvery is how often open offers are expired (default 1
	// minute). Schedules and job retention are checked by the job runner
	// every JobAckWait.
	SweepEvery time.Duration
	// JobRetention is how long finished job records are kept
	// (<PREFIX>_JOB_RETENTION; default jobs.DefaultRetention, 90 days).
	JobRetention time.Duration
	// ResultTTL is how long job results are kept (<PREFIX>_RESULT_TTL;
	// default DefaultResultTTL, 30 days).
	ResultTTL time.Duration
	// Grace is how long an acceptance's or a resize's reservation may
	// wait for its transition before the kit's recovery sweep resolves it
	// (default 5s, proposal.Programme.Grace; tests use less).
	Grace time.Duration
	// TracerProvider traces requests and job runs (default the global
	// one); tests pass their own.
	TracerProvider trace.TracerProvider
	// JobHooks, StoreHooks and ProposalHooks inject faults in tests; nil
	// in production.
	JobHooks      *jobs.Hooks
	StoreHooks    *store.Hooks
	ProposalHooks *proposal.Hooks
	// Pools, when set, is given the programme's pool sides by name (the
	// buckets they were kept in before ADR 0088) once they are fed, so a
	// test can wait for them and read them: they live in the service's
	// memory. Nil in production.
	Pools func(map[string]pool.View)
}

// ProgrammeOptionsFromEnv reads a programme's settings from the
// environment: <prefix>_RULES_DIR, <prefix>_JOB_RETENTION and
// <prefix>_RESULT_TTL (Go durations from 1h to 10 years such as "2160h";
// empty: the default). A bad value is an error naming its variable
// (envvar.Error), which Main reports before anything starts; it used to
// wait for OpenKit, after NATS was joined. The other options are for
// tests.
func ProgrammeOptionsFromEnv(prefix string, getenv func(string) string) (ProgrammeOptions, error) {
	e := envvar.New(getenv)
	o := ProgrammeOptions{
		RulesDir:     e.Getenv(prefix + "_RULES_DIR"),
		JobRetention: e.Duration(prefix+"_JOB_RETENTION", 0, time.Hour, maxRetention, "2160h (90 days)"),
		ResultTTL:    e.Duration(prefix+"_RESULT_TTL", 0, time.Hour, maxRetention, "720h (30 days)"),
	}
	if o.RulesDir != "" {
		if fi, err := os.Stat(o.RulesDir); err != nil || !fi.IsDir() {
			e.Refuse(prefix+"_RULES_DIR", o.RulesDir, "not a directory that can be read",
				"the directory of <organisation id>.yaml rule files, or empty for the built-in rules")
		}
	}
	return o, e.Err()
}

// maxRetention bounds the retention settings: ten years is longer than
// any programme runs, and a typo such as 720000h would keep every job
// result, with the names of who was left out, for 82 years.
const maxRetention = 10 * 365 * 24 * time.Hour

// Tuning is the programme lifecycle's share of o: its grace and hooks.
func (o ProgrammeOptions) Tuning() proposal.Tuning {
	return proposal.Tuning{Grace: o.Grace, Hooks: o.ProposalHooks}
}

// withDefaults fills unset durations.
func (o ProgrammeOptions) withDefaults() ProgrammeOptions {
	if o.ResultTTL <= 0 {
		o.ResultTTL = DefaultResultTTL
	}
	if o.SweepEvery <= 0 {
		o.SweepEvery = time.Minute
	}
	return o
}

// KitConfig names what the kit opens for a programme: its stream and the
// buckets of its capacity counters and job data.
type KitConfig struct {
	// Name is the programme ("dinners"): its job kind, and the prefix of
	// its errors and logs.
	Name string
	// Stream and Subjects are the programme's own event stream
	// (constants in pkg/events).
	Stream, Subjects string
	// SlotBucket holds the capacity counters (proposal.OpenSlots);
	// DataStore the jobs' snapshots and results (jobs.OpenData).
	SlotBucket, DataStore string
}

// Kit is a programme's share of the kit, opened by OpenKit: its settings
// with defaults, the publisher of its stream, its capacity counters and
// its job data. The programme opens its own stores with OpenStore, builds
// its service on these, and serves it with Serve.
type Kit struct {
	Config    KitConfig
	Options   ProgrammeOptions
	Deps      Deps
	Publisher *events.Publisher
	Slots     *proposal.Slots
	Data      jobs.Data

	closers []func()
}

// OpenKit creates the programme's stream and opens its capacity counters and job
// data. Close the kit when the service stops.
func OpenKit(ctx context.Context, d Deps, o ProgrammeOptions, c KitConfig) (*Kit, error) {
	d = d.WithDefaults()
	k := &Kit{Config: c, Options: o.withDefaults(), Deps: d}
	if err := events.EnsureStream(ctx, d.JS, events.StreamConfig{
		Name: c.Stream, Subjects: []string{c.Subjects}, Replicas: d.Replicas,
	}); err != nil {
		return nil, fmt.Errorf("%s: stream: %w", c.Name, err)
	}
	k.Publisher = events.NewPublisher(d.JS)
	var err error
	if k.Slots, err = proposal.OpenSlots(ctx, d.JS, c.SlotBucket, d.Replicas, d.Now); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	if k.Data, err = jobs.OpenData(ctx, d.JS, c.DataStore, d.Replicas, k.Options.ResultTTL, d.Keyring); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Name, err)
	}
	// The job data's keys of before move into the programme's own bucket
	// (ADR 0238); they are read where they are until then, so a failure
	// only waits for the next start.
	// Bounded: the job objects' listing is a watcher, which another
	// replica's deletes meanwhile could leave waiting for ever (ADR
	// 0238's addendum); a start must not.
	if sd, ok := k.Data.(*jobs.SealedData); ok {
		cctx, cancel := context.WithTimeout(ctx, claimJobKeysTimeout)
		moved, err := sd.ClaimKeys(cctx)
		cancel()
		if err != nil {
			d.Logger.Warn("the job data's keys of before are not all moved; the next start goes on", "service", c.Name, "moved", moved, "err", err)
		} else if moved > 0 {
			d.Logger.Info("moved the job data's keys of before into the owner's bucket", "service", c.Name, "moved", moved)
		}
	}
	return k, nil
}

// claimJobKeysTimeout bounds the claim of the job data's keys at a
// kit's start; what it leaves, the next start moves.
const claimJobKeysTimeout = 20 * time.Second

// RunKit is a programme's whole Run: it opens the kit (OpenKit), has
// build make the programme's service on it, serves what build returns
// (Kit.Serve) until ctx ends, and closes the kit.
func RunKit(ctx context.Context, addr string, d Deps, o ProgrammeOptions, c KitConfig,
	build func(ctx context.Context, k *Kit) (Served, error), ready func(net.Addr)) error {
	k, err := OpenKit(ctx, d, o, c)
	if err != nil {
		return err
	}
	defer k.Close()
	s, err := build(ctx, k)
	if err != nil {
		return err
	}
	return k.Serve(ctx, addr, s, ready)
}

// Errorf wraps err with the programme's name, as every error of its Run
// is wrapped.
func (k *Kit) Errorf(err error) error { return fmt.Errorf("%s: %w", k.Config.Name, err) }

// OnClose adds fn to what Close runs (last added, first run), for the
// programme's own resources such as its pool.
func (k *Kit) OnClose(fn func()) { k.closers = append(k.closers, fn) }

// Close closes what the kit and the programme opened through it.
func (k *Kit) Close() {
	for i := len(k.closers) - 1; i >= 0; i-- {
		k.closers[i]()
	}
	k.closers = nil
}

// OpenStore opens one of the programme's record stores with the kit's
// replicas and logger, closed with the kit. Sealing (Keyring, Subject)
// and fault hooks stay the programme's choice in cfg.
func OpenStore[R proto.Message](ctx context.Context, k *Kit, cfg store.Config[R]) (*store.Repo[R], error) {
	cfg.Replicas, cfg.Logger = k.Deps.Replicas, k.Deps.Logger
	r, err := store.Open(ctx, k.Deps.JS, cfg)
	if err != nil {
		return nil, k.Errorf(err)
	}
	k.OnClose(r.Close)
	return r, nil
}

// Served is what a programme serves on its kit: its API, its job
// pipeline and the programme's part of the job runner, its proposal
// sweeps and its consumers.
type Served struct {
	// Register adds the programme's API to the gRPC server.
	Register func(*grpc.Server)
	// Jobs is the programme's part of the job runner: OnFinish, Tally,
	// Redact and, optionally, Schedules and RulesVersion. The kit fills
	// the rest (name, replicas, timing, data, retention, clock, hooks,
	// tracing) from the kit and its options.
	Jobs jobs.Config
	// Steps are the job pipeline's steps (jobs.Manager.Pipeline).
	Steps jobs.Steps
	// SetJobs hands the programme's service its job manager, which needs
	// the service's hooks first, hence two steps.
	SetJobs func(*jobs.Manager)
	// Sweep runs the programme's proposal sweeps until ctx ends (its
	// proposal.Lifecycle.Run: offer expiry every every, recovery of
	// reservations a crash left within seconds).
	Sweep func(ctx context.Context, every time.Duration) error
	// Consumers of other services' streams (PeopleConsumers for the
	// usual pool pair).
	Consumers []Consumer
}

// Serve opens the programme's job runner and serves s on addr until ctx
// ends or one of its parts fails (RunProgramme). ready, if not nil, gets
// the bound address.
func (k *Kit) Serve(ctx context.Context, addr string, s Served, ready func(net.Addr)) error {
	d, o := k.Deps, k.Options
	cfg := s.Jobs
	cfg.Name, cfg.Replicas, cfg.AckWait, cfg.Data, cfg.Retention = k.Config.Name, d.Replicas, o.JobAckWait, k.Data, o.JobRetention
	cfg.Now, cfg.IDs, cfg.Logger, cfg.Hooks, cfg.TracerProvider = d.Now, d.IDs, d.Logger, o.JobHooks, o.TracerProvider
	jm, err := jobs.Open(ctx, d.JS, cfg)
	if err != nil {
		return k.Errorf(err)
	}
	defer jm.Close()
	s.SetJobs(jm)
	return RunProgramme(ctx, addr, d, Programme{
		Name:           k.Config.Name,
		Register:       s.Register,
		TracerProvider: o.TracerProvider,
		Actors: []func(context.Context) error{
			func(ctx context.Context) error { return jm.Run(ctx, jm.Pipeline(s.Steps)) },
			func(ctx context.Context) error { return s.Sweep(ctx, o.SweepEvery) },
		},
		Consumers: s.Consumers,
	}, ready)
}

// PeopleConsumers are a programme pool's durable consumers: the
// participants' and volunteers' events that can make someone leave (not
// registrations, which the pool's in-memory feed alone applies; ADR
// 0088), four at a time, each handler (pkg/pool's Side.HandleLeave)
// idempotent by itself. The durable names are the programme's, shared by
// its replicas, and the same as when these consumers fed the pool's
// buckets: changing a durable's filter keeps its position.
func PeopleConsumers(participantsDurable, volunteersDurable string, participants, volunteers events.Handler) []Consumer {
	return []Consumer{
		{Stream: events.StreamParticipants, Durable: participantsDurable, Filters: pool.Participants.LeaveTypes(), Handler: participants, Stamped: true},
		{Stream: events.StreamVolunteers, Durable: volunteersDurable, Filters: pool.Volunteers.LeaveTypes(), Handler: volunteers, Stamped: true},
	}
}
