package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/ensure"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/kvwatch"
)

// State is where a job is.
type State string

// The states. Succeeded and Failed are final.
const (
	Queued    State = "queued"
	Running   State = "running"
	Succeeded State = "succeeded"
	Failed    State = "failed"
)

// Final reports whether s is Succeeded or Failed.
func (s State) Final() bool { return s == Succeeded || s == Failed }

// Job is the record of one job. It holds ids, codes and counts only: no
// personal data, so it can be logged and shown to operators.
type Job struct {
	ID string `json:"id"`
	// Organisation and Municipalities scope the job; services check callers
	// against them.
	Organisation   string   `json:"org,omitempty"`
	Municipalities []string `json:"municipalities,omitempty"`
	// Params is the service's own input description (JSON).
	Params json.RawMessage `json:"params,omitempty"`
	State  State           `json:"state"`
	// Phase names what the job is doing; Progress is 0 to 100.
	Phase    string `json:"phase,omitempty"`
	Progress int    `json:"progress"`
	// Counts are named sizes of the input and the result.
	Counts map[string]int64 `json:"counts,omitempty"`
	// Version is the version of the rules the job uses.
	Version string `json:"version,omitempty"`
	// Snapshot references the job's frozen input; a restarted job reuses it.
	Snapshot string `json:"snapshot,omitempty"`
	// Attempts counts the starts of the job, over every resumption.
	Attempts int `json:"attempts"`
	// AttemptLimit is the attempt after which the job fails; a resumed
	// job gets MaxAttempts more than it had used (0: MaxAttempts).
	AttemptLimit int `json:"attempt_limit,omitempty"`
	// Resumes counts how often a failed job was started again.
	Resumes int `json:"resumes,omitempty"`
	// Trace is the W3C trace context of the request that submitted (or
	// resumed) the job, so its runs continue that trace; ids only.
	Trace map[string]string `json:"trace,omitempty"`
	// Owner is the runner holding the job; Heartbeat its last sign of life.
	Owner     string    `json:"owner,omitempty"`
	Heartbeat time.Time `json:"heartbeat,omitzero"`
	Created   time.Time `json:"created"`
	Started   time.Time `json:"started,omitzero"`
	Finished  time.Time `json:"finished,omitzero"`
	// Error says why the last attempt failed, without personal data.
	Error string `json:"error,omitempty"`
}

// Func runs one job. It gets the job as stored when it started and a Run to
// report progress through. It must be restartable: a crash at any point
// runs it again from the start with the same Job (and its Snapshot, once
// set). Returning an error wrapped by Permanent fails the job at once;
// other errors are retried up to MaxAttempts.
type Func func(ctx context.Context, r *Run) error

// Hooks are fault-injection points for tests; nil in production.
type Hooks struct {
	// OnReport runs at every progress report, before it is stored; tests
	// kill the process here to crash a job at a chosen point.
	OnReport func(job Job, phase string, done int)
}

// Config describes a Manager.
type Config struct {
	// Name is the kind of job, for example "mentoring". Required; letters,
	// digits and '_' only.
	Name string
	// Replicas of the bucket and stream (1 or 3).
	Replicas int
	// AckWait is the runner's lease on a job: how long a job may go
	// without a heartbeat before another replica takes it over (default
	// DefaultAckWait). Heartbeats go out every AckWait/5; a runner whose
	// heartbeats were not confirmed for four fifths of it stops the job
	// itself (from one second up; see lease.go).
	AckWait time.Duration
	// MaxAttempts bounds how often a job is started (default 5).
	MaxAttempts int
	// OnFinish runs after a job's final state is stored and before its
	// message is acknowledged, and again if a redelivery finds the job
	// finished; it must be idempotent (publish with a deterministic event
	// id). An error leaves the message to be redelivered.
	OnFinish func(ctx context.Context, j Job) error
	// FinishAttempts bounds how often OnFinish is tried for one job
	// (default 10): past it the job's message is acknowledged anyway, so a
	// hook that keeps failing cannot stop every later job.
	FinishAttempts int
	Now            func() time.Time
	IDs            ids.Source
	Logger         *slog.Logger
	Hooks          *Hooks
	// Tally counts what a job actually wrote (for example the proposals
	// stored with its id), before its final state is stored, success or
	// failure. Its counts replace the ones the job reported: a job killed
	// between a write and its next report would otherwise end with fewer
	// than it wrote. Optional; an error keeps the reported counts.
	Tally func(ctx context.Context, j Job) (map[string]int64, error)
	// Data holds the jobs' snapshots and results (see Data). With it, a
	// succeeded job's snapshot is dropped, and retention and Forget reach
	// the stored data. Optional.
	Data Data
	// Redact removes a person from one stored snapshot or result (kind
	// says which), reporting whether it changed; Forget calls it for
	// every stored object. Optional.
	Redact Redactor
	// Retention is how long a finished job's record (and its data) is kept
	// after it finished (default DefaultRetention). Results usually expire
	// sooner, by the Data store's own TTL.
	Retention time.Duration
	// Schedules lists the scheduled jobs (read at every sweep, so a rules
	// change takes effect without a restart). Optional.
	Schedules func() []Schedule
	// MaxMunicipalities bounds the municipalities one job may cover
	// (default MaxMunicipalities). A programme whose instance splits into
	// one component per municipality, and whose national solve is measured
	// inside its limit, may allow the whole nation (guides: ADR 0077).
	MaxMunicipalities int
	// RulesVersion names the rules an organisation's job would use now;
	// Start records it in the job. Optional.
	RulesVersion func(org string) string
	// TracerProvider and MeterProvider default to the global providers;
	// tests pass their own to read what a run recorded. Propagator (default
	// W3C trace context) carries the submitting request's trace to the run.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
	Propagator     propagation.TextMapPropagator
}

// DefaultAckWait is the default lease: a replica killed while running a
// job is replaced this long after its last heartbeat. Five heartbeat
// intervals of a second each: a runner stalls for four seconds (a long GC
// pause, a NATS leader election) before it stops itself, and the
// take-over costs seconds instead of the half minute it took with 30 s
// (docs/adr/0058).
const DefaultAckWait = 5 * time.Second

// DefaultRetention is how long finished job records are kept: long enough
// for a coordinator to look back over a quarter's jobs, short enough that
// the bucket does not grow without bound.
const DefaultRetention = 90 * 24 * time.Hour

// instrumentation names the package's tracer and meter.
const instrumentation = "github.com/motesplats/motesplats/pkg/jobs"

// Manager submits, runs and watches jobs of one kind.
type Manager struct {
	cfg      Config
	js       jetstream.JetStream
	kv       jetstream.KeyValue
	requests jetstream.KeyValue
	stream   string
	subject  string
	owner    string
	log      *slog.Logger

	mu   sync.RWMutex
	jobs map[string]Job

	// forgetting holds this replica's Forget lock (see lockForget);
	// forgetTTL is the cluster lock's forgetLockTTL.
	forgetting chan struct{}
	forgetTTL  time.Duration
	// forgetWait runs whenever taking the Forget lock has to wait; a test
	// orders another writer after the holder with it. Nil in production.
	forgetWait func()
	// forgotten is the log of ids Forget finished with, read by every put
	// of job data (forgotten.go); nil without Data and Redact.
	forgotten        jetstream.Stream
	forgottenSubject string

	tracer   trace.Tracer
	duration metric.Float64Histogram
	size     metric.Int64Histogram
	attempts metric.Int64Counter

	ready  chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// ErrLost is returned by Run methods when another replica took the job
// over; the job function should return at once.
var ErrLost = errors.New("jobs: job taken over by another runner")

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return permanent{err} }

// Open creates the bucket and the work stream if needed and starts
// indexing jobs. Close stops it.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Manager, error) {
	if cfg.Name == "" || strings.ContainsAny(cfg.Name, ".*> -") {
		return nil, errors.New("jobs: Name is required and may hold letters, digits and '_' only")
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = DefaultAckWait
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.FinishAttempts <= 0 {
		cfg.FinishAttempts = 10
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IDs == nil {
		cfg.IDs = ids.UUIDv7{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.TracerProvider == nil {
		cfg.TracerProvider = otel.GetTracerProvider()
	}
	if cfg.MeterProvider == nil {
		cfg.MeterProvider = otel.GetMeterProvider()
	}
	if cfg.Propagator == nil {
		// The job record and the work queue are read only by this
		// package: W3C trace context whatever the process's global.
		cfg.Propagator = propagation.TraceContext{}
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.MaxMunicipalities <= 0 {
		cfg.MaxMunicipalities = MaxMunicipalities
	}
	meter := cfg.MeterProvider.Meter(instrumentation)
	duration, err := meter.Float64Histogram("jobs.run.duration", metric.WithUnit("s"),
		metric.WithDescription("time one attempt of a job ran, by kind and outcome"))
	if err != nil {
		return nil, fmt.Errorf("jobs: metric: %w", err)
	}
	size, err := meter.Int64Histogram("jobs.size",
		metric.WithDescription("the named counts of a succeeded job (input and result sizes), by kind and name"))
	if err != nil {
		return nil, fmt.Errorf("jobs: metric: %w", err)
	}
	attempts, err := attemptsCounter(meter, cfg.Name)
	if err != nil {
		return nil, err
	}
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket: cfg.Name + "_jobs", History: 1, Storage: jetstream.FileStorage, Replicas: cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: bucket: %w", err)
	}
	requests, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket: cfg.Name + "_jobs_requests", History: 1, Storage: jetstream.FileStorage, Replicas: cfg.Replicas,
		TTL: 7 * 24 * time.Hour, // how long a request id keeps naming its job
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: requests bucket: %w", err)
	}
	m := &Manager{
		cfg: cfg, js: js, kv: kv, requests: requests,
		stream:  "JOBS_" + strings.ToUpper(cfg.Name),
		subject: "jobs." + cfg.Name + ".run",
		owner:   cfg.IDs.New(),
		log:     cfg.Logger.With("jobs", cfg.Name),
		jobs:    map[string]Job{}, forgetting: make(chan struct{}, 1), forgetTTL: forgetLockTTL,
		ready: make(chan struct{}), done: make(chan struct{}),
		tracer: cfg.TracerProvider.Tracer(instrumentation), duration: duration, size: size, attempts: attempts,
	}
	if _, err := ensure.Stream(ctx, js, jetstream.StreamConfig{
		Name: m.stream, Subjects: []string{m.subject}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, Replicas: cfg.Replicas, Duplicates: 2 * time.Minute,
	}); err != nil {
		return nil, fmt.Errorf("jobs: stream: %w", err)
	}
	if cfg.Data != nil && cfg.Redact != nil {
		if m.forgotten, m.forgottenSubject, err = openForgotten(ctx, js, cfg.Name, cfg.Replicas); err != nil {
			return nil, err
		}
	}
	// The watch lives until Close: NATS unsubscribes a watcher whose
	// context ends.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w, err := kvwatch.WatchAll(runCtx, kv, js)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("jobs: watch: %w", err)
	}
	m.cancel = cancel
	go m.watch(runCtx, w)
	select {
	case <-m.ready:
	case <-ctx.Done():
		m.Close()
		return nil, ctx.Err()
	}
	return m, nil
}

// Close stops the watch that keeps the in-memory job index current and
// waits for it to end, so no index update runs after Close returns.
func (m *Manager) Close() {
	m.cancel()
	<-m.done
}

func (m *Manager) watch(ctx context.Context, w jetstream.KeyWatcher) {
	defer close(m.done)
	defer func() { _ = w.Stop() }()
	initial := true
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				return
			}
			if e == nil {
				if initial {
					initial = false
					close(m.ready)
				}
				continue
			}
			m.index(e)
		}
	}
}

func (m *Manager) index(e jetstream.KeyValueEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e.Operation() != jetstream.KeyValuePut {
		delete(m.jobs, e.Key())
		return
	}
	var j Job
	if err := json.Unmarshal(e.Value(), &j); err != nil {
		m.log.Error("jobs: undecodable record", "key", e.Key())
		return
	}
	m.jobs[e.Key()] = j
}
