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

// forgetLockTTL is how long a lock holds after its holder last renewed
// it: one older was left by a holder that died (kill -9), and is taken
// over. A holder renews it every forgetLockTTL/4 and stops rewriting
// once no renewal was confirmed for half of it, so two holders never
// overlap unless a single write outlasts the last quarter. Before the
// renewal a lock lived a minute from its taking, whatever its holder
// did: a runner killed while it stored a job's result left every job
// write of job data and every erasure of its programme waiting out that
// minute (a guides job took 60 s to finish after the kill, ADR 0194).
// (Manager.forgetTTL is this but in tests.)
const forgetLockTTL = 10 * time.Second

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
	rev, sent, err := m.takeForgetLock(ctx)
	if err != nil {
		<-m.forgetting
		return nil, nil, err
	}
	hold, cancel := context.WithCancel(ctx)
	renewing := make(chan struct{})
	go func() {
		defer close(renewing)
		rev = m.renewForgetLock(hold, cancel, rev, sent)
	}()
	return hold, func() {
		cancel()
		<-renewing // rev is the last renewal's from here
		rctx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer done()
		// Only our own revision: a lock taken over since is not ours to end.
		err := m.requests.Delete(rctx, forgetLockKey, jetstream.LastRevision(rev))
		if err != nil {
			// A renewal cut short by the release may have been stored:
			// the lock is still ours if it names this replica, which
			// only this replica writes, one holder at a time (forgetting).
			if e, gerr := m.requests.Get(rctx, forgetLockKey); gerr == nil && string(e.Value()) == m.owner {
				err = m.requests.Delete(rctx, forgetLockKey, jetstream.LastRevision(e.Revision()))
			}
		}
		if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
			m.log.Warn("jobs: forget lock not released; it ends by itself", "ttl", m.forgetTTL, "err", err)
		}
		<-m.forgetting
	}, nil
}

// takeForgetLock creates the cluster's lock key, or takes over one not
// renewed for forgetLockTTL, waiting while another holder has it. It
// returns the lock's revision and when the write that took it was sent.
func (m *Manager) takeForgetLock(ctx context.Context) (uint64, time.Time, error) {
	for {
		sent := time.Now()
		rev, err := m.requests.Create(ctx, forgetLockKey, []byte(m.owner))
		if err == nil {
			return rev, sent, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) {
			return 0, time.Time{}, fmt.Errorf("jobs: take forget lock: %w", err)
		}
		e, err := m.requests.Get(ctx, forgetLockKey)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			continue // released between the two calls
		case err != nil:
			return 0, time.Time{}, fmt.Errorf("jobs: read forget lock: %w", err)
		case time.Since(e.Created()) > m.forgetTTL:
			// Created is the last renewal's time: its holder is gone.
			sent := time.Now()
			rev, err := m.requests.Update(ctx, forgetLockKey, []byte(m.owner), e.Revision())
			if err == nil {
				m.log.Warn("jobs: took over a forget lock its holder left", "age", time.Since(e.Created()).Round(time.Second))
				return rev, sent, nil
			}
			continue // another waiter took it over first
		}
		m.waitingForLock()
		select {
		case <-ctx.Done():
			return 0, time.Time{}, ctx.Err()
		case <-time.After(forgetLockPoll):
		}
	}
}

// renewForgetLock renews the lock taken at revision rev (its write sent
// at sent) every forgetTTL/4 until hold ends, and ends hold (cancel) once
// no renewal was confirmed for half of forgetTTL: the holder is cut off
// or was paused, and another may take the lock from forgetTTL after the
// last renewal the server stored, which was sent no earlier than the
// holder's last confirmed one. It returns the lock's last revision, for
// the release.
func (m *Manager) renewForgetLock(hold context.Context, cancel context.CancelFunc, rev uint64, sent time.Time) uint64 {
	every := m.forgetTTL / 4
	t := time.NewTicker(every)
	defer t.Stop()
	last := sent
	for {
		select {
		case <-hold.Done():
			return rev
		case <-t.C:
		}
		at := time.Now()
		rctx, rcancel := context.WithTimeout(hold, every)
		r, err := m.requests.Update(rctx, forgetLockKey, []byte(m.owner), rev)
		rcancel()
		if err == nil {
			rev, last = r, at
		}
		if time.Since(last) > m.forgetTTL/2 {
			m.log.Warn("jobs: forget lock not renewed; stopping its holder", "since", time.Since(last).Round(time.Millisecond))
			cancel()
			return rev
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
