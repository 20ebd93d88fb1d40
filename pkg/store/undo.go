package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
)

// undoTimeout bounds the write that takes a refused update back. It does
// not end with the caller's context: a caller gone must not leave the
// update standing with its events owed.
const undoTimeout = 10 * time.Second

// confirmUpdate asks Config.ConfirmUpdate about the update of id stored
// as next at rev: after as written, the record before it decoded from
// old. An error undoes the update: old is written back over next at rev
// (compare-and-set), owing only owed, the events the entry owed before
// the update, so nothing of the update is announced; the error is the
// answer. A check that must see writes made elsewhere after the update's
// own (a service's Dekker-style mark) needs the write stored first, so
// the update is visible for that moment, but never published.
func (r *Repo[T]) confirmUpdate(ctx context.Context, id string, old []byte, after T, owed []*eventsv1.Envelope,
	rev uint64, next *storev1.Record) error {
	before := r.cfg.New()
	if err := proto.Unmarshal(old, before); err != nil {
		return fmt.Errorf("store: decode %s/%s: %w", r.cfg.Bucket, id, err)
	}
	cerr := r.cfg.ConfirmUpdate(ctx, before, after)
	if cerr == nil {
		return nil
	}
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), undoTimeout)
	defer cancel()
	back, err := r.sealRecord(uctx, id, before, old, owed)
	if err != nil {
		return err
	}
	back.RequestKey, back.CreatedRevision = next.GetRequestKey(), next.GetCreatedRevision()
	r.keepTrace(uctx, back, next)
	backRev, err := r.write(uctx, id, back, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		// Another write landed on the update during the check. It was
		// made from the updated record and stands; ADR 0152, "Left".
		r.log.Warn("store: a refused update could not be undone, written over meanwhile", "key", id)
		r.tickets.done(next.GetTicket())
		return cerr
	}
	if err != nil {
		// The update stands, owing its events, for the relay.
		return fmt.Errorf("store: undo the update of %s/%s: %w", r.cfg.Bucket, id, err)
	}
	// The update's events are never to go out: its ticket is done.
	r.tickets.done(next.GetTicket())
	r.flush(ctx, id, backRev, back)
	return cerr
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
		next := &storev1.Record{Data: rec.GetData(), SealedData: rec.GetSealedData(), Subject: rec.GetSubject()}
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
