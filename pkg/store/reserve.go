package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
)

// CreateOnce is Create made idempotent by a caller's request id: the first
// call picks an id with newID and remembers it under requestKey for a day;
// a repeated call (even after a crash half-way) creates or returns the
// record under the same id. build makes the record and its events for id
// (it may be called again with another id).
//
// A new request writes its reservation and its record at the same time
// (two streams, two fsyncs side by side rather than one after the other)
// and publishes the record's events only once both are stored and the
// reservation names the record. The record carries the request key, so
// when the writer dies between the two the relay settles it: it writes
// the missing reservation, or finds that a retry's reservation names
// another record and deletes this one, unpublished and unacknowledged
// (docs/adr/0034-one-write-per-create.md).
func (r *Repo[T]) CreateOnce(ctx context.Context, requestKey string, newID func() string,
	build func(id string) (T, []*eventsv1.Envelope, error)) (T, uint64, error) {
	var zero T
	if requestKey == "" {
		return zero, 0, apperr.Errorf(apperr.Invalid, "request id is required")
	}
	// Hashing makes any caller-scoped key a valid, fixed-size KV key.
	sum := sha256.Sum256([]byte(requestKey))
	requestKey = hex.EncodeToString(sum[:16])
	// A repeated request finds its reservation: no write at all when its
	// record is there. A read, not a durable write.
	if e, err := r.requests.Get(ctx, requestKey); err == nil {
		return r.takeOver(ctx, string(e.Value()), build)
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted) {
		return zero, 0, fmt.Errorf("store: read request: %w", err)
	}
	// No reservation, but perhaps a record of this request whose writer
	// died before its reservation was stored: finish that one.
	if v, rev, ok, err := r.finishUnconfirmed(ctx, requestKey); err != nil || ok {
		return v, rev, err
	}
	id := newID()
	if !ids.Valid(id) {
		return zero, 0, apperr.Errorf(apperr.Invalid, "invalid id")
	}
	prepared := r.prepareKey(ctx, id)
	reserved := make(chan error, 1)
	go func(ctx context.Context) { reserved <- r.reserve(ctx, requestKey, id) }(ctx)
	v, evs, err := build(id)
	if err != nil {
		return zero, 0, err
	}
	// The key is needed from here on; an error preparing it is left for
	// Seal to report (or to retry, if it was transient).
	<-prepared
	wctx, span := r.startWrite(ctx, "create")
	defer span.End()
	ctx = wctx
	rec, err := r.encodeNew(ctx, id, v, evs)
	if err != nil {
		return zero, 0, err
	}
	rec.RequestKey = requestKey
	rev, err := r.createEntry(ctx, id, rec)
	if h := r.cfg.Hooks; err == nil && h != nil && h.AfterRecord != nil {
		if herr := h.AfterRecord(id); herr != nil {
			return zero, 0, herr
		}
	}
	rerr := <-reserved
	var taken *takenError
	switch {
	case err != nil:
		// No record: a retry finds the reservation (if stored) and
		// creates the record under its id.
		return zero, 0, err
	case rerr == nil:
		r.flush(ctx, id, rev, rec)
		return v, rev, nil
	case errors.As(rerr, &taken):
		// A concurrent repeat of the request reserved first: ours goes,
		// never published, and theirs is the answer.
		if err := r.dropUnconfirmed(ctx, id, rev, rec.GetTicket()); err != nil {
			return zero, 0, err
		}
		return r.takeOver(ctx, taken.id, build)
	default:
		// The reservation may or may not be stored: the relay settles the
		// record after its grace (confirmCreate), and a retry finds
		// whichever record the reservation names.
		return zero, 0, fmt.Errorf("store: reserve request: %w", rerr)
	}
}

// encodeNew is the entry Create writes for v under id, sealed, with the
// write's trace context for its events. An erased person's id is
// AlreadyExists.
func (r *Repo[T]) encodeNew(ctx context.Context, id string, v T, evs []*eventsv1.Envelope) (*storev1.Record, error) {
	data, err := proto.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("store: encode: %w", err)
	}
	rec, err := r.sealRecord(ctx, id, v, data, evs)
	if seal.IsShredded(err) {
		// An erased person's id: it can never be used again.
		return nil, apperr.Errorf(apperr.AlreadyExists, "already exists")
	}
	if err != nil {
		return nil, err
	}
	r.keepTrace(ctx, rec, nil)
	return rec, nil
}

// takeOver answers a request whose reservation names id: the record, or,
// when the first attempt died before writing it, a new one under id.
func (r *Repo[T]) takeOver(ctx context.Context, id string, build func(id string) (T, []*eventsv1.Envelope, error)) (T, uint64, error) {
	var zero T
	if v, rev, err := r.Get(ctx, id); err == nil {
		return v, rev, nil
	} else if apperr.ErrorCode(err) != apperr.NotFound {
		return zero, 0, err
	}
	v, evs, err := build(id)
	if err != nil {
		return zero, 0, err
	}
	<-r.prepareKey(ctx, id)
	rev, err := r.Create(ctx, id, v, evs...)
	if apperr.ErrorCode(err) == apperr.AlreadyExists {
		// A concurrent repeat of the same request won the race, or the
		// record it created has since been removed; or the read above
		// was answered by a replica that does not have it yet, which
		// the leader settles.
		v, rev, err := r.Get(ctx, id)
		if apperr.ErrorCode(err) == apperr.NotFound {
			return zero, 0, apperr.Errorf(apperr.FailedPrecondition, CreatedRecordRemoved)
		}
		return v, rev, err
	}
	if err != nil {
		return zero, 0, err
	}
	return v, rev, nil
}

// takenError says a request's reservation names another record.
type takenError struct{ id string }

func (e *takenError) Error() string { return "store: the request is reserved for another record" }

// reserve makes the reservation of requestKey name id, unless it names
// another record already (*takenError).
func (r *Repo[T]) reserve(ctx context.Context, requestKey, id string) error {
	if h := r.cfg.Hooks; h != nil && h.BeforeReserve != nil {
		if err := h.BeforeReserve(requestKey); err != nil {
			return err
		}
	}
	_, err := r.requests.Create(ctx, requestKey, []byte(id))
	if err == nil {
		return nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return err
	}
	// Create was refused by the leader: the reservation exists, even if
	// the replica answering the read does not have it yet.
	got, err := r.getReservation(ctx, requestKey)
	if err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	if got != id {
		return &takenError{id: got}
	}
	return nil
}

// confirmCreate is the relay's check of a create whose events are owed
// and whose writer may have died before its reservation was stored: it
// writes the reservation for the record, or, when it names another
// record (a retry won), deletes this one unpublished. mine reports
// whether the record stands and its events may go out.
func (r *Repo[T]) confirmCreate(ctx context.Context, id string, rev uint64, rec *storev1.Record) (mine bool, err error) {
	err = r.reserve(ctx, rec.GetRequestKey(), id)
	var taken *takenError
	if errors.As(err, &taken) {
		return false, r.dropUnconfirmed(ctx, id, rev, 0)
	}
	return err == nil, err
}

// dropUnconfirmed deletes a create that lost its request to another
// record, before its events went out: nobody was told of it. The index
// forgets it at once; a delete marker stays, so the id is never reused.
func (r *Repo[T]) dropUnconfirmed(ctx context.Context, id string, rev, ticket uint64) error {
	err := r.kv.Delete(ctx, id, jetstream.LastRevision(rev))
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		err = nil // another replica's relay deleted it first
	}
	if err != nil {
		return fmt.Errorf("store: drop unconfirmed create %s/%s: %w", r.cfg.Bucket, id, err)
	}
	r.tickets.done(ticket)
	r.mu.Lock()
	e, ok := r.records[id]
	gone := ok && e.rev == rev && isLive(e)
	if gone {
		r.unindexLocked(id)
		// A revision-only marker, so a late delivery cannot revive it.
		r.records[id] = indexed[T]{rev: rev}
		r.dirty = true
	}
	r.settledLocked(id)
	subs := r.subs
	r.mu.Unlock()
	if gone {
		var zero T
		for _, fn := range subs {
			fn(id, zero, false)
		}
	}
	return nil
}

// finishUnconfirmed looks in the index for a record of requestKey still
// waiting for its reservation (its writer died, or is writing it right
// now), makes the reservation name it and publishes its events: the
// retry gets the record the first attempt stored. ok is false when there
// is none, or the reservation names another record.
func (r *Repo[T]) finishUnconfirmed(ctx context.Context, requestKey string) (v T, rev uint64, ok bool, err error) {
	r.mu.RLock()
	id, found := r.unconfirmed[requestKey]
	r.mu.RUnlock()
	if !found {
		return v, 0, false, nil
	}
	// The index has the record: a replica that does not is behind.
	rec, rev, err := r.readRecord(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return v, 0, false, nil
	}
	if err != nil {
		return v, 0, false, err
	}
	if rec.GetRemoved() || rec.GetRequestKey() != requestKey {
		return v, 0, false, nil
	}
	if mine, err := r.confirmCreate(ctx, id, rev, rec); err != nil || !mine {
		return v, 0, false, err
	}
	if len(rec.GetOutbox()) > 0 && !r.covered(rec) && r.cfg.Publisher != nil {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := r.publishAndClear(pctx, id, rev, rec, true); err != nil {
			r.log.Warn("store: outbox left for the relay", "key", id, "err", err)
		}
	}
	v, rev, err = r.Get(ctx, id)
	return v, rev, err == nil, err
}

// CreatedRecordRemoved is the FailedPrecondition message of a repeated
// create whose record has been removed since: the request is not run
// again, and a caller repeating a whole batch (make seed) can tell this
// refusal from others and leave the record removed.
const CreatedRecordRemoved = "the record this request created has been removed"
