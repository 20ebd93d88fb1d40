package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// relayLoop runs the relay on its own, so a slow or unreachable stream
// never holds up the index and the cache evictions that follow it.
func (r *Repo[T]) relayLoop(ctx context.Context) {
	defer close(r.relayDone)
	tick := time.NewTicker(r.cfg.RelayInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.relay(ctx)
			r.afterPurges(ctx)
			r.sweepReservations()
		}
	}
}

// afterPurges runs AfterPurge for erasures old enough.
func (r *Repo[T]) afterPurges(ctx context.Context) {
	r.mu.RLock()
	var due []string
	for id, at := range r.erased {
		if time.Since(at) >= r.cfg.AfterPurgeDelay {
			due = append(due, id)
		}
	}
	r.mu.RUnlock()
	for _, id := range due {
		if err := r.cfg.AfterPurge(ctx, id); err != nil {
			r.log.Warn("store: after-purge failed, will retry", "key", id, "err", err)
			continue
		}
		r.mu.Lock()
		delete(r.erased, id)
		r.mu.Unlock()
	}
}

// flush publishes the outbox of the entry just written and then clears it
// (or removes the key). Failures are left to the relay: the caller's write
// is already durable, so it still succeeds.
func (r *Repo[T]) flush(ctx context.Context, id string, rev uint64, rec *storev1.Record) {
	if len(rec.GetOutbox()) == 0 && !rec.GetRemoved() {
		if rec.GetBefore() != nil && rec.GetWriter() == r.writer {
			r.settle(id, rec.GetTicket()) // a checked update without events
		}
		return
	}
	if h := r.cfg.Hooks; h != nil && h.AfterWrite != nil {
		if err := h.AfterWrite(id); err != nil {
			return
		}
	}
	if r.cfg.Publisher == nil && len(rec.GetOutbox()) > 0 {
		return
	}
	// Without a publisher a removal still goes on to its delete or purge:
	// it returned here, so an erased person's offers, sign-ups, messages
	// and links stayed as removed entries naming them (ADR 0191).
	// The caller's context may end right after it has its answer; the
	// publish must not be cut short by that.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if !rec.GetRemoved() && rec.GetWriter() == r.writer && rec.GetTicket() > 0 {
		// No clearing write: the ticket, once done, is covered by this
		// writer's next mark (marks.go).
		if err := r.publishOutbox(ctx, rec, false); err != nil {
			r.log.Warn("store: outbox left for the relay", "key", id, "err", err)
			return
		}
		r.settle(id, rec.GetTicket())
		return
	}
	if err := r.publishAndClear(ctx, id, rev, rec, false); err != nil {
		r.log.Warn("store: outbox left for the relay", "key", id, "err", err)
	}
}

// publishOutbox publishes rec's events in order; relayed ones continue
// the trace of the write that stored them.
func (r *Repo[T]) publishOutbox(ctx context.Context, rec *storev1.Record, relayed bool) error {
	for _, ev := range rec.GetOutbox() {
		pctx := ctx
		if relayed {
			pctx = r.writeTrace(ctx, rec, ev.GetId())
		}
		if err := r.cfg.Publisher.Publish(pctx, ev); err != nil {
			return fmt.Errorf("publish %s: %w", ev.GetType(), err)
		}
		r.published.Add(ctx, 1, r.inBucket)
	}
	return nil
}

func (r *Repo[T]) publishAndClear(ctx context.Context, id string, rev uint64, rec *storev1.Record, relayed bool) error {
	if rec.GetRemoved() && rec.GetPurge() && r.cfg.BeforePurge != nil {
		if err := r.cfg.BeforePurge(ctx, id); err != nil {
			return fmt.Errorf("before purge: %w", err)
		}
	}
	if err := r.publishOutbox(ctx, rec, relayed); err != nil {
		return err
	}
	var err error
	switch {
	case rec.GetRemoved() && rec.GetPurge():
		if err := r.shred(ctx, id, rec); err != nil {
			return err
		}
		err = r.kv.Purge(ctx, id, jetstream.LastRevision(rev))
	case rec.GetRemoved():
		err = r.kv.Delete(ctx, id, jetstream.LastRevision(rev))
	default:
		clean := storedPart(rec)
		carryRequest(clean, rec, rev)
		_, err = r.write(ctx, id, clean, rev)
	}
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		// A newer write carried the outbox forward; whoever flushes it
		// publishes these events again and JetStream drops the duplicates.
		return nil
	}
	if err != nil {
		return fmt.Errorf("clear outbox: %w", err)
	}
	if rec.GetRemoved() {
		// The index keeps its revision-only marker until the watch brings
		// the delete or purge, so a late older revision cannot revive it.
		r.mu.Lock()
		r.settledLocked(id)
		if rec.GetPurge() && r.cfg.AfterPurge != nil {
			r.erased[id] = time.Now()
		}
		r.mu.Unlock()
	}
	return nil
}

// EraseRemoved erases a record that was deleted earlier: its key holds only
// a delete marker, but events about it may still be in the stream. It runs
// BeforePurge, publishes events and purges the key. A record whose
// person's key is destroyed (restored from a backup taken before the
// erasure) counts as removed. Returns NotFound when the key never existed,
// FailedPrecondition when it holds a live record (use Remove).
func (r *Repo[T]) EraseRemoved(ctx context.Context, id string, events ...*eventsv1.Envelope) error {
	if !ids.Valid(id) {
		return ErrNotFound
	}
	// A live record a replica that is behind lacks must not be taken for
	// a removed one: a miss is asked again of the leader (readRecord).
	if rec, _, err := r.readRecord(ctx, id); err == nil {
		if rec.GetRemoved() {
			// A delete still waiting for its events: erase over it.
			return r.Remove(ctx, id, true, events...)
		}
		// A record restored from a backup taken before its person's
		// erasure: the keyring destroyed its key again, so it is as gone
		// as a removed one, and erasing it again (the runbook's step after
		// a restore) removes the copy and tells every consumer (ADR 0191).
		if _, shredded, err := r.plainData(ctx, id, rec); err != nil {
			return err
		} else if shredded {
			return r.Remove(ctx, id, true, events...)
		}
		return apperr.Errorf(apperr.FailedPrecondition, "the record is not removed")
	} else if apperr.ErrorCode(err) != apperr.NotFound {
		return err
	}
	if _, err := r.kv.History(ctx, id); errors.Is(err, jetstream.ErrKeyNotFound) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("store: history %s/%s: %w", r.cfg.Bucket, id, err)
	}
	if r.cfg.BeforePurge != nil {
		if err := r.cfg.BeforePurge(ctx, id); err != nil {
			return fmt.Errorf("store: before purge: %w", err)
		}
	}
	if r.cfg.Publisher != nil {
		for _, ev := range events {
			if err := r.cfg.Publisher.Publish(ctx, ev); err != nil {
				return fmt.Errorf("store: publish %s: %w", ev.GetType(), err)
			}
		}
	}
	if err := r.shred(ctx, id, &storev1.Record{}); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := r.kv.Purge(ctx, id); err != nil {
		return fmt.Errorf("store: purge %s/%s: %w", r.cfg.Bucket, id, err)
	}
	if r.cfg.AfterPurge != nil {
		r.mu.Lock()
		r.erased[id] = time.Now()
		r.mu.Unlock()
	}
	return nil
}

// relay publishes outboxes that writers left behind (a crash between write
// and publish, or NATS briefly away). Every replica runs it; publishing
// twice is harmless because events are deduplicated by id.
//
// Its reads (kv.Get: a direct get) may be answered by any replica of the
// bucket's stream, and a follower answers however far behind it is: a
// node that was cut off serves what it had until it has caught up. So a
// read that finds no entry, or an older revision than the index saw owing,
// proves nothing: the relay asks the stream leader (leader.go), and when
// that fails too the entry waits for the next round. Only the index, fed
// by the watch in stream order, forgets an entry that is gone (its delete
// or purge marker) or replaced; forgetting it on a stale read lost its
// events for good (TestRepo_RelayKeepsWhatAStaleReplicaLacks,
// docs/adr/0108-relay-trusts-only-fresh-reads.md, docs/adr/0113).
func (r *Repo[T]) relay(ctx context.Context) {
	if r.cfg.Publisher == nil {
		return
	}
	r.mu.Lock()
	due := map[string]uint64{} // key -> the revision the index saw owing
	for key, p := range r.pending {
		if r.coveredLocked(p.writer, p.ticket) {
			r.settledLocked(key) // its writer's mark says it is out
			continue
		}
		if time.Since(p.since) >= r.cfg.RelayGrace {
			due[key] = p.rev
		}
	}
	r.mu.Unlock()
	var live []owedEntry
	// askLeader turns false for the rest of the round once a leader read
	// fails (no leader, or it does not answer): the next ones would wait
	// for the same timeout, one after the other.
	askLeader := true
	for _, key := range slices.Sorted(maps.Keys(due)) {
		rec, rev, err := r.getRecord(ctx, key)
		if askLeader && (apperr.ErrorCode(err) == apperr.NotFound || errors.Is(err, errUnanswered) || (err == nil && rev < due[key])) {
			// A replica behind the index answered, or none did in time.
			rec, rev, err = r.getRecordLeader(ctx, key)
			askLeader = err == nil || apperr.ErrorCode(err) == apperr.NotFound
		}
		if err != nil {
			// NotFound included: see above.
			if apperr.ErrorCode(err) != apperr.NotFound {
				r.log.Warn("store: relay could not read an entry, will retry", "key", key, "err", err)
			}
			continue
		}
		if rev < due[key] {
			continue // not newer either (not expected of a leader): next round
		}
		if !rec.GetRemoved() && ((len(rec.GetOutbox()) == 0 && !r.checkOwed(rec)) || r.covered(rec)) {
			r.forgetPending(key, rev)
			continue
		}
		if !rec.GetRemoved() && (rec.GetRequestKey() != "" || (r.cfg.Confirm != nil && asCreated(rec))) {
			// A create whose writer may have died before it decided:
			// publish only if the record holds its request key
			// (reserve.go) and Confirm consents; one made without a
			// request id (CreateNew) needs Confirm's consent only.
			mine, err := r.confirmCreate(ctx, key, rev, rec)
			if err != nil {
				r.log.Warn("store: relay could not confirm a create, will retry", "key", key, "err", err)
				continue
			}
			if !mine {
				continue
			}
		}
		if r.checkOwed(rec) {
			// An update whose writer died, or whose undo failed, before
			// its check: checked here, and undone on a refusal with
			// nothing of it published (ADR 0156).
			undone, err := r.settleCheck(ctx, key, rec, rev)
			if err != nil {
				r.log.Warn("store: relay could not check an update, will retry", "key", key, "err", err)
				continue
			}
			if undone {
				continue
			}
		}
		if _, ok := r.cfg.Publisher.(AsyncPublisher); ok && !rec.GetRemoved() {
			live = append(live, owedEntry{key: key, rev: rev, rec: rec})
			continue
		}
		if err := r.publishAndClear(ctx, key, rev, rec, true); err != nil {
			r.log.Warn("store: relay failed, will retry", "key", key, "err", err)
		}
	}
	r.relayAll(ctx, live)
}

// forgetPending drops key from the relay's list when the index has seen
// nothing newer than rev owing: a read at rev found it owing nothing.
func (r *Repo[T]) forgetPending(key string, rev uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p, ok := r.pending[key]; ok && p.rev <= rev {
		r.settledLocked(key)
	}
}
