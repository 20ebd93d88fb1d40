package jobs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/natserr"
)

// Run is a running job as its Func sees it: the stored job and a way to
// report progress. Reports are stored only while this runner still owns the
// job, so a runner that lost it (stalled past AckWait) cannot overwrite the
// new owner's progress.
type Run struct {
	m *Manager

	// mu guards job and lastWrite and is held across every store, so the
	// heartbeat and the job's own reports write one after the other, each
	// from the newest in-memory state, and never put an older state back.
	mu        sync.Mutex
	job       Job
	lastWrite time.Time
	// ended is set once the job function returned: the heartbeat then
	// only keeps the message alive while the final state is committed.
	ended bool
}

// Job returns the job as last stored by this run.
func (r *Run) Job() Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	j := r.job
	j.Counts = maps.Clone(j.Counts)
	return j
}

// Progress is one progress report.
type Progress struct {
	// Phase names the step ("snapshot", "solve", "propose").
	Phase string
	// Percent is overall progress, 0 to 100.
	Percent int
	// Done counts items of the phase done so far (for hooks and logs).
	Done int
	// Counts are merged into the job's counts.
	Counts map[string]int64
	// Force stores the report now; otherwise reports within 200ms of the
	// last stored one in the same phase are only kept in memory.
	Force bool
}

// Report records progress. It returns ErrLost when another runner took the
// job over, and the job function should then return.
func (r *Run) Report(ctx context.Context, p Progress) error {
	if h := r.m.cfg.Hooks; h != nil && h.OnReport != nil {
		h.OnReport(r.Job(), p.Phase, p.Done)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	changed := p.Phase != r.job.Phase
	r.job.Phase = p.Phase
	r.job.Progress = max(0, min(p.Percent, 99)) // 100 only when committed
	if len(p.Counts) > 0 {
		// A fresh map: the one last stored may still be referenced by a
		// copy handed out by Job.
		c := make(map[string]int64, len(r.job.Counts)+len(p.Counts))
		maps.Copy(c, r.job.Counts)
		maps.Copy(c, p.Counts)
		r.job.Counts = c
	}
	due := p.Force || changed || time.Since(r.lastWrite) >= 200*time.Millisecond
	if !due {
		return nil
	}
	return r.storeLocked(ctx, nil)
}

// SetSnapshot records the reference of the job's frozen input and the
// rules version, at once, so a restart reuses them.
func (r *Run) SetSnapshot(ctx context.Context, ref, version string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.job.Snapshot, r.job.Version = ref, version
	return r.storeLocked(ctx, nil)
}

// store writes the in-memory job (with a fresh heartbeat) if this runner
// still owns it; final, when set, changes it once more before writing.
func (r *Run) store(ctx context.Context, final func(*Job)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.storeLocked(ctx, final)
}

// storeLocked is store with r.mu held. A snapshot once stored is never
// cleared: a restart must reuse it, whatever this run holds in memory.
func (r *Run) storeLocked(ctx context.Context, final func(*Job)) error {
	mine := r.job
	counts := maps.Clone(mine.Counts)
	now := r.m.cfg.Now().UTC()
	j, err := r.m.update(ctx, mine.ID, func(j *Job) error {
		if j.Owner != r.m.owner || j.State != Running {
			return ErrLost
		}
		j.Phase, j.Progress, j.Counts = mine.Phase, mine.Progress, maps.Clone(counts)
		if mine.Snapshot != "" {
			j.Snapshot, j.Version = mine.Snapshot, mine.Version
		}
		j.Heartbeat = now
		if final != nil {
			final(j)
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.job, r.lastWrite = j, time.Now()
	return nil
}

// Run pulls jobs and runs them with fn until ctx ends, one at a time across
// every replica sharing the stream. On shutdown a running job is put back
// in the queue for another replica. It returns nil when ctx ends.
func (m *Manager) Run(ctx context.Context, fn Func) error {
	cons, err := m.runner(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("jobs: consumer: %w", err)
	}
	sweep := time.NewTicker(max(m.cfg.AckWait, time.Second))
	defer sweep.Stop()
	for ctx.Err() == nil {
		select {
		case <-sweep.C:
			m.requeue(ctx, cons)
			m.expire(ctx)
			m.schedule(ctx)
		default:
		}
		batch, err := cons.Fetch(1, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			m.log.Warn("jobs: fetch failed", "err", err)
			wait(ctx, time.Second)
			continue
		}
		for msg := range batch.Messages() {
			m.handle(ctx, msg, fn)
		}
	}
	return nil
}

// runner creates the runners' consumer, trying again while NATS is
// briefly unavailable (a loaded cluster, a leader being elected): a
// replica that gave up exited just after it said it was serving (dinners-1
// at make up, in the s25 chaos round; ADR 0134).
func (m *Manager) runner(ctx context.Context) (jetstream.Consumer, error) {
	for {
		cons, err := m.js.CreateOrUpdateConsumer(ctx, m.stream, jetstream.ConsumerConfig{
			Durable:       m.cfg.Name + "_runner",
			AckPolicy:     jetstream.AckExplicitPolicy,
			AckWait:       m.cfg.AckWait,
			MaxAckPending: 1, // one job at a time, across replicas
			MaxDeliver:    -1,
		})
		if err == nil || ctx.Err() != nil || !natserr.Briefly(err) && !errors.Is(err, context.DeadlineExceeded) {
			return cons, err
		}
		m.log.Warn("jobs: runners' consumer not created yet; trying again", "err", err)
		wait(ctx, time.Second)
	}
}

func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// requeue publishes again the ids of jobs queued for a while, covering a
// submitter that died between storing a job and enqueueing it. It does so
// only while the work queue is empty: a queued job behind a running one
// waits in the queue, and every replica republishing it each sweep would
// pile up copies once the stream's duplicate window has passed. A copy
// that still gets through is harmless: it finds the job running or
// finished.
func (m *Manager) requeue(ctx context.Context, cons jetstream.Consumer) {
	now := m.cfg.Now()
	stale := m.List(func(j Job) bool { return j.State == Queued && now.Sub(j.Created) > 2*m.cfg.AckWait })
	if len(stale) == 0 {
		return
	}
	info, err := cons.Info(ctx)
	if err != nil || info.NumPending > 0 || info.NumAckPending > 0 {
		return
	}
	for _, j := range stale {
		if err := m.enqueue(ctx, j); err != nil {
			m.log.Warn("jobs: requeue failed", "job", j.ID, "err", err)
		}
	}
}

var errFinal = errors.New("job already final")

// handle runs the job a message names, then settles the message.
func (m *Manager) handle(ctx context.Context, msg jetstream.Msg, fn Func) {
	id := string(msg.Data())
	j, _, err := m.get(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound || (err == nil && j.State.Final()) {
		// Both settle the message, and a direct get may be a replica
		// behind (ADR 0108): one that has not seen the submit, or a
		// resume, dropped a job that waits, which then waited for
		// requeue's copy to pass the duplicate window (2 min). The
		// leader decides (ADR 0233).
		j, _, err = m.read(ctx, id, true)
	}
	switch {
	case apperr.ErrorCode(err) == apperr.NotFound:
		_ = msg.Term()
		return
	case err != nil:
		_ = msg.NakWithDelay(time.Second)
		return
	case j.State.Final():
		m.settleFinal(ctx, msg, j)
		return
	}
	// The attempt about to start may be one too many: count what the
	// earlier attempts wrote, so the failed job says so.
	var tally map[string]int64
	if j.Attempts >= m.limit(j) {
		tally = m.tally(ctx, j)
	}
	now := m.cfg.Now().UTC()
	// The lease starts here: the in-progress ack restarts the server's
	// AckWait, and the take-over write below follows it on the same
	// connection, so once that write is acknowledged the server had the
	// ack no earlier than leased (see lease).
	leased := time.Now()
	_ = msg.InProgress()
	// A job running elsewhere is taken over: the consumer lets one message
	// be unacknowledged at a time, so this delivery means the previous
	// runner sent no heartbeat for AckWait (it died or stalled; a stalled
	// runner notices at its next heartbeat, whose owner check fails), or
	// the server lost the delivery state in a crash of its own.
	j, err = m.update(ctx, id, func(j *Job) error {
		if j.State.Final() {
			return errFinal
		}
		j.Attempts++
		j.State, j.Owner, j.Heartbeat, j.Error = Running, m.owner, now, ""
		if j.Started.IsZero() {
			j.Started = now
		}
		if limit := m.limit(*j); j.Attempts > limit {
			j.Attempts = limit // this one never started
			j.State, j.Owner, j.Finished = Failed, "", now
			j.Error = fmt.Sprintf("gave up after %d attempts", limit)
			j.Counts = merged(j.Counts, tally)
		}
		return nil
	})
	switch {
	case errors.Is(err, errFinal):
		m.settleFinal(ctx, msg, j)
		return
	case err != nil:
		_ = msg.NakWithDelay(time.Second)
		return
	case j.State == Failed:
		m.settleFinal(ctx, msg, j)
		return
	}
	m.log.Info("jobs: running", "job", id, "attempt", j.Attempts)

	// One span per attempt: the job's own spans (its store writes, its
	// events) become children, and ids and counts are all it carries.
	// It continues the trace of the request that submitted the job: the
	// message carries it, and the record too for a requeued message.
	parent := m.cfg.Propagator.Extract(ctx, propagation.HeaderCarrier(msg.Headers()))
	if !trace.SpanContextFromContext(parent).IsValid() {
		parent = m.cfg.Propagator.Extract(ctx, propagation.MapCarrier(j.Trace))
	}
	sctx, span := m.tracer.Start(parent, "jobs.run "+m.cfg.Name, trace.WithAttributes(
		attribute.String("jobs.kind", m.cfg.Name), attribute.String("jobs.id", id), attribute.Int("jobs.attempt", j.Attempts)))
	started := time.Now()
	outcome := outcomeFailed
	defer func() {
		span.SetAttributes(attribute.String("jobs.outcome", outcome))
		span.End()
		attrs := metric.WithAttributes(attribute.String("jobs.kind", m.cfg.Name), attribute.String("jobs.outcome", outcome))
		m.duration.Record(context.WithoutCancel(ctx), time.Since(started).Seconds(), attrs)
		m.attempts.Add(context.WithoutCancel(ctx), 1, attrs)
	}()

	runCtx, cancel := context.WithCancelCause(sctx)
	r := &Run{m: m, job: j, lastWrite: time.Now()}
	l := newLease(leased, m.cfg.AckWait)
	// The heartbeat outlives the job function: it keeps the message
	// alive until the final state is committed and the message settled.
	hbCtx, stopHeartbeat := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stopHeartbeat(); wg.Wait() }()
	wg.Go(func() { m.heartbeat(hbCtx, cancel, msg, r, l) })
	if l.guarded() {
		wg.Go(func() { m.watchdog(runCtx, cancel, l, id) })
	}
	runErr := m.call(runCtx, fn, r)
	r.end()
	lost := errors.Is(context.Cause(runCtx), ErrLost) || errors.Is(runErr, ErrLost)
	cancel(nil)
	if lost {
		// No more in-progress acks for a delivery another runner holds.
		stopHeartbeat()
	}
	if runErr != nil {
		span.RecordError(runErr)
		span.SetStatus(codes.Error, "job attempt failed")
	}

	// The final writes must happen even when ctx has just ended.
	fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer fcancel()
	switch {
	case lost:
		outcome = outcomeLost
		m.log.Warn("jobs: lost the job to another runner", "job", id)
	case ctx.Err() != nil:
		outcome = outcomeShutdown
		// Shutting down: hand the job back for another replica.
		_, _ = m.update(fctx, id, func(j *Job) error {
			if j.Owner != m.owner || j.State != Running {
				return ErrLost
			}
			j.State, j.Owner = Queued, ""
			return nil
		})
		_ = msg.Nak()
	case runErr == nil:
		tally := m.tally(fctx, r.Job())
		err := r.store(fctx, func(j *Job) {
			j.State, j.Phase, j.Progress, j.Owner, j.Finished = Succeeded, "done", 100, "", m.cfg.Now().UTC()
			j.Counts = merged(j.Counts, tally)
		})
		if err != nil {
			m.log.Warn("jobs: could not commit success", "job", id, "err", err)
			return
		}
		outcome = outcomeSucceeded
		done := r.Job()
		for name, v := range done.Counts {
			m.size.Record(fctx, v, metric.WithAttributes(attribute.String("jobs.kind", m.cfg.Name), attribute.String("jobs.count", name)))
		}
		m.settleFinal(fctx, msg, done)
	default:
		var p permanent
		final := errors.As(runErr, &p) || j.Attempts >= m.limit(j)
		m.log.Warn("jobs: attempt failed", "job", id, "attempt", j.Attempts, "final", final, "err", runErr)
		var tally map[string]int64
		if final {
			tally = m.tally(fctx, r.Job())
		}
		err := r.store(fctx, func(j *Job) {
			j.Error, j.Owner = runErr.Error(), ""
			if final {
				j.State, j.Finished = Failed, m.cfg.Now().UTC()
				j.Counts = merged(j.Counts, tally)
			} else {
				j.State = Queued
			}
		})
		if err != nil {
			return
		}
		if !final {
			outcome = outcomeRetry
		}
		if final {
			m.settleFinal(fctx, msg, r.Job())
			return
		}
		// An in-progress ack after the nak would replace its delay.
		stopHeartbeat()
		wg.Wait()
		_ = msg.NakWithDelay(time.Duration(j.Attempts) * time.Second)
	}
}

// call runs fn and turns a panic into an error, so one bad job fails
// instead of killing the replica.
func (m *Manager) call(ctx context.Context, fn Func, r *Run) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(fmt.Errorf("job panicked: %v", p))
		}
	}()
	return fn(ctx, r)
}

// settleFinal runs OnFinish for a finished job and acknowledges its
// message; if OnFinish fails the message comes back and it runs again, with
// a growing delay. Jobs run one at a time, so a hook that keeps failing
// would hold up every later job: after FinishAttempts deliveries the
// message is acknowledged anyway and the failure logged as an error.
func (m *Manager) settleFinal(ctx context.Context, msg jetstream.Msg, j Job) {
	if m.cfg.OnFinish != nil || (m.cfg.Data != nil && j.State == Succeeded) {
		if err := m.finish(ctx, j); err != nil {
			n := uint64(1)
			if meta, merr := msg.Metadata(); merr == nil {
				n = meta.NumDelivered
			}
			if n < uint64(m.cfg.FinishAttempts) {
				m.log.Warn("jobs: finish hook failed; will retry", "job", j.ID, "delivery", n, "err", err)
				_ = msg.NakWithDelay(min(time.Duration(n)*time.Second, 30*time.Second))
				return
			}
			m.log.Error("jobs: finish hook failed; giving up so later jobs can run", "job", j.ID, "delivery", n, "err", err)
		}
	}
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := msg.DoubleAck(actx); err != nil {
		m.log.Warn("jobs: ack failed", "job", j.ID, "err", err)
	}
	m.log.Info("jobs: finished", "job", j.ID, "state", string(j.State), "attempts", j.Attempts)
}
