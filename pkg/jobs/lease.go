package jobs

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// minGuardedAckWait is the shortest AckWait whose lease the watchdog
// guards. Shorter ones exist only in tests of the heartbeat itself, where
// one slow write under load would end every attempt; there the owner check
// on every record write is the only fence, as it was before the lease.
const minGuardedAckWait = time.Second

// lease is a runner's hold on the job it runs. JetStream redelivers the
// job's message AckWait after the consumer last processed an in-progress
// ack for it; the runner knows only when it sent each ack, and that a
// record write acknowledged after it went out on the same connection.
// The server processed the ack no earlier than it was sent, so the lease
// cannot end before sent+AckWait: the runner stops its job a fifth of
// AckWait earlier (until), leaving the job function time to return.
type lease struct {
	ackWait time.Duration

	mu   sync.Mutex
	last time.Time // send time of the last confirmed in-progress ack
}

func newLease(sent time.Time, ackWait time.Duration) *lease {
	return &lease{ackWait: ackWait, last: sent}
}

// renewed records an in-progress ack sent at sent and confirmed since.
func (l *lease) renewed(sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if sent.After(l.last) {
		l.last = sent
	}
}

// until is when the runner must have stopped writing: AckWait after the
// last confirmed renewal, less one heartbeat interval.
func (l *lease) until() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last.Add(l.ackWait - l.ackWait/5)
}

// guarded reports whether the watchdog enforces the lease (see
// minGuardedAckWait).
func (l *lease) guarded() bool { return l.ackWait >= minGuardedAckWait }

// renew stores the record with a fresh heartbeat while the job function
// runs; afterwards it writes nothing (the final state is the next write)
// and reports success, since the acks alone keep the message.
func (r *Run) renew(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return nil
	}
	return r.storeLocked(ctx, nil)
}

// end marks the job function as returned (see renew).
func (r *Run) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = true
}

// heartbeat renews the lease every AckWait/5: an in-progress ack keeps
// the message from being redelivered, and a write of the record (checked
// against its owner) proves the ack went out on a working connection and
// that no other runner took the job. It cancels the run when the job was
// taken over. Once the job function returned it only sends the acks, so
// a slow tally or finish hook does not hand the job to another replica.
func (m *Manager) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, msg jetstream.Msg, r *Run, l *lease) {
	t := time.NewTicker(m.cfg.AckWait / 5)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sent := time.Now()
			_ = msg.InProgress()
			rctx, rcancel := context.WithTimeout(ctx, m.cfg.AckWait)
			err := r.renew(rctx)
			rcancel()
			switch {
			case errors.Is(err, ErrLost):
				cancel(ErrLost)
				return
			case err == nil:
				l.renewed(sent)
			}
		}
	}
}

// watchdog stops the run (ErrLost) when the lease ran out without a
// confirmed renewal: the runner cannot reach NATS, or was paused, and the
// server may soon hand the job to another replica. It fires a fifth of
// AckWait before the server can, so the job function stops writing
// before another runner starts.
func (m *Manager) watchdog(ctx context.Context, cancel context.CancelCauseFunc, l *lease, id string) {
	for {
		left := time.Until(l.until())
		if left <= 0 {
			m.log.Warn("jobs: lease ran out without a renewal; stopping the job", "job", id)
			cancel(ErrLost)
			return
		}
		t := time.NewTimer(left)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
