package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// forgetLockKey names the lock that lets one Forget at a time, in the
// whole cluster, rewrite stored job objects. An object store put replaces
// an object whole and cannot be made conditional, so two erasures
// redacting the same result at once each read the old object, and the
// later put brought back the person the earlier one removed (CI caught a
// newcomer's and a mentor's erasure racing). It lives in the requests
// bucket, whose own keys are hex digests, so it never names a request.
const forgetLockKey = "forget-lock"

// forgetLockTTL is how long a lock holds: one older was left by a holder
// that crashed, and is taken over. A holder stops rewriting after half of
// it and its event is retried, so two holders never overlap
// unless a single write outlasts the other half. (Manager.forgetTTL is
// this but in tests.)
const forgetLockTTL = time.Minute

// forgetLockPoll is how often a waiting Forget asks for the lock again.
// Erasures are rare and a Forget takes well under a second, so a short
// poll costs little and a watch would cost a consumer per waiter.
const forgetLockPoll = 50 * time.Millisecond

// lockForget takes the Forget lock: first the replica's own (so its
// handlers queue without asking the server), then the cluster's. It
// returns a context that ends when the hold should end and the release,
// which always runs, even when ctx is cancelled.
func (m *Manager) lockForget(ctx context.Context) (context.Context, func(), error) {
	select {
	case m.forgetting <- struct{}{}:
	default:
		m.waitingForLock()
		select {
		case m.forgetting <- struct{}{}:
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		}
	}
	rev, err := m.takeForgetLock(ctx)
	if err != nil {
		<-m.forgetting
		return nil, nil, err
	}
	hold, cancel := context.WithTimeout(ctx, m.forgetTTL/2)
	return hold, func() {
		cancel()
		rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		// Only our own revision: a lock taken over since is not ours to end.
		if err := m.requests.Delete(rctx, forgetLockKey, jetstream.LastRevision(rev)); err != nil {
			m.log.Warn("jobs: forget lock not released; it ends by itself", "ttl", m.forgetTTL, "err", err)
		}
		<-m.forgetting
	}, nil
}

// takeForgetLock creates the cluster's lock key, or takes over one older
// than forgetLockTTL, waiting while another holder has it.
func (m *Manager) takeForgetLock(ctx context.Context) (uint64, error) {
	for {
		rev, err := m.requests.Create(ctx, forgetLockKey, []byte(m.owner))
		if err == nil {
			return rev, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return 0, fmt.Errorf("jobs: take forget lock: %w", err)
		}
		e, err := m.requests.Get(ctx, forgetLockKey)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			continue // released between the two calls
		case err != nil:
			return 0, fmt.Errorf("jobs: read forget lock: %w", err)
		case time.Since(e.Created()) > m.forgetTTL:
			rev, err := m.requests.Update(ctx, forgetLockKey, []byte(m.owner), e.Revision())
			if err == nil {
				m.log.Warn("jobs: took over a forget lock its holder left", "age", time.Since(e.Created()).Round(time.Second))
				return rev, nil
			}
			continue // another waiter took it over first
		}
		m.waitingForLock()
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(forgetLockPoll):
		}
	}
}

// waitingForLock runs the test hook (Manager.forgetWait) of a lock taker
// that has to wait for another holder.
func (m *Manager) waitingForLock() {
	if m.forgetWait != nil {
		m.forgetWait()
	}
}
