package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
)

// undoTimeout bounds the write that takes a refused update back. It does
// not end with the caller's context: a caller gone must not leave the
// update standing with its events owed.
const undoTimeout = 10 * time.Second

// confirmUpdate asks Config.ConfirmUpdate about the update of id stored
// as next at rev: before the record as it was, after as written. An error
// undoes the update: the entry as it was (next.Before) is written back
// over next at rev (compare-and-set), owing only the events it owed
// before, so nothing of the update is announced; the error is the answer.
// A check that must see writes made elsewhere after the update's own (a
// service's Dekker-style mark) needs the write stored first, so the update
// is visible for that moment, but never published.
func (r *Repo[T]) confirmUpdate(ctx context.Context, id string, before, after T, rev uint64, next *storev1.Record) error {
	cerr := r.cfg.ConfirmUpdate(ctx, before, after)
	if cerr == nil {
		return nil
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	err := r.undo(uctx, id, next, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		// Another write landed on the update during the check. It made
		// the same check first (settleCheck) and undid the update on a
		// refusal, which stays a refusal; only when this check failed
		// otherwise (Unavailable) can that one have let the move stand
		// (ADR 0156).
		r.log.Info("store: a refused update was settled by a later write", "key", id)
		r.tickets.done(next.GetTicket())
		return cerr
	}
	if err != nil {
		// The update stands, its check owed, for the relay.
		return fmt.Errorf("store: undo the update of %s/%s: %w", r.cfg.Bucket, id, err)
	}
	// The update's events are never to go out: its ticket is done.
	r.tickets.done(next.GetTicket())
	return cerr
}

// checkOwed reports whether rec is an update whose ConfirmUpdate check
// is still owed: it holds the entry as it was, and its ticket is not yet
// covered (once its events are out, its check said yes). A repository
// without ConfirmUpdate cannot make the check and takes it as made.
func (r *Repo[T]) checkOwed(rec *storev1.Record) bool {
	return r.cfg.ConfirmUpdate != nil && rec.GetBefore() != nil && !rec.GetRemoved() && !r.covered(rec)
}

// settleCheck makes the check an update stored as rec at rev still owes,
// for the relay or a later write of id (ADR 0156): the same question its
// writer asks, about the entry as it was and as it is. A refusal
// undoes it (undone), as its writer would have; consent leaves it to
// the caller, whose write or clearing publishes it. Any other error is
// returned and the entry stays as it is, its check owed.
func (r *Repo[T]) settleCheck(ctx context.Context, id string, rec *storev1.Record, rev uint64) (undone bool, err error) {
	before, _, err := r.live(ctx, id, rec.GetBefore(), rev)
	if err != nil {
		return false, err
	}
	after, _, err := r.live(ctx, id, rec, rev)
	if err != nil {
		return false, err
	}
	cerr := r.cfg.ConfirmUpdate(ctx, before, after)
	if cerr == nil {
		return false, nil
	}
	if !refused(cerr) {
		return false, cerr
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	if err := r.undo(uctx, id, rec, rev); err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return false, fmt.Errorf("store: undo the update of %s/%s: %w", r.cfg.Bucket, id, err)
	}
	// Undone here, or by whoever wrote at rev first (the same check).
	return true, nil
}

// undo writes the entry as it was before the update cur (at rev) back
// over it, with the events it owed then and none of the update's, and
// publishes those. Returns jetstream.ErrKeyRevisionMismatch unwrapped
// when another write came first.
func (r *Repo[T]) undo(ctx context.Context, id string, cur *storev1.Record, rev uint64) error {
	b := cur.GetBefore()
	back := storedPart(b)
	back.Outbox, back.RequestKey, back.CreatedRevision = b.GetOutbox(), cur.GetRequestKey(), cur.GetCreatedRevision()
	r.keepTrace(ctx, back, cur)
	backRev, err := r.write(ctx, id, back, rev)
	if err != nil {
		return err
	}
	r.flush(ctx, id, backRev, back)
	return nil
}

// Fence rewrites the record id as it is, at its latest revision (asked of
// the stream leader), so that a write still on its way that names an
// older revision can never land: a removal whose caller gave up waiting
// may otherwise be applied long after (ADR 0152). Events the entry still
// owes ride along and are published, as in Update. Returns NotFound when
// id holds no live record (such a write landed first, or a removal did).
func (r *Repo[T]) Fence(ctx context.Context, id string) error {
	if r.fed() {
		return errFedWrite()
	}
	ctx, span := r.startWrite(ctx, "fence")
	defer span.End()
	for attempt := 0; ; attempt++ {
		rec, rev, err := r.getRecordLeader(ctx, id)
		if err != nil {
			return err
		}
		if rec.GetRemoved() {
			return ErrNotFound
		}
		if r.checkOwed(rec) {
			// As in Update: the fence would carry the events out.
			undone, err := r.settleCheck(ctx, id, rec, rev)
			if err != nil {
				return err
			}
			if undone {
				continue
			}
		}
		next := storedPart(rec)
		if !r.covered(rec) {
			next.Outbox = rec.GetOutbox()
		}
		carryRequest(next, rec, rev)
		r.keepTrace(ctx, next, rec)
		newRev, err := r.write(ctx, id, next, rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		r.flush(ctx, id, newRev, next)
		return nil
	}
}
