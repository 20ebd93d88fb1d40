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
// call picks an id with newID and the record carries the hashed request
// key for its life; a repeated call (even after a crash half-way) returns
// the record the first one stored, and never creates a removed or erased
// one again. build makes the record and its events for id (it may be
// called again with another id).
//
// A new request writes only its record. Before it publishes or answers,
// it waits until its own index has applied that write, and so every
// entry before it in the stream: if the index then holds an earlier
// record of the request key (a concurrent repeat on another replica), or
// one that was removed, this create lost: it deletes its record,
// unpublished and unanswered (the id is never reused), and answers with
// the other. A retry finds the record in the index by its request key and
// answers from it, with no write; when the first attempt died before its
// events went out, the retry (or later the relay) settles that record by
// the same rule and publishes them
// (docs/adr/0146-a-create-without-its-reservation.md).
//
// The record returned is the caller's to change: the one build made, or
// one decoded for this call; the repository keeps no reference to it
// (its index decodes its own copy).
func (r *Repo[T]) CreateOnce(ctx context.Context, requestKey string, newID func() string,
	build func(id string) (T, []*eventsv1.Envelope, error)) (T, uint64, error) {
	var zero T
	if r.fed() {
		return zero, 0, errFedWrite()
	}
	if requestKey == "" {
		return zero, 0, apperr.Errorf(apperr.Invalid, "request id is required")
	}
	requestKey = hashRequestKey(requestKey)
	// A repeated request: the index knows its key. Reads, no write.
	if r.knowsRequest(requestKey) {
		if v, rev, ok, err := r.answerRequest(ctx, requestKey, build); ok || err != nil {
			return v, rev, err
		}
	}
	id := newID()
	if !ids.Valid(id) {
		return zero, 0, apperr.Errorf(apperr.Invalid, "invalid id")
	}
	prepared := r.prepareKey(ctx, id)
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
	rec, plain, err := r.encodeNew(ctx, id, v, evs)
	if err != nil {
		return zero, 0, err
	}
	rec.RequestKey = requestKey
	holes := r.holeCount()
	rev, err := r.createEntry(ctx, id, rec, plain)
	if apperr.ErrorCode(err) == apperr.AlreadyExists {
		return r.idTaken(ctx, requestKey, id, err, build)
	}
	if err != nil {
		// Perhaps stored after all: a retry or the relay settles it.
		return zero, 0, err
	}
	if h := r.cfg.Hooks; h != nil && h.AfterRecord != nil {
		if herr := h.AfterRecord(id); herr != nil {
			return zero, 0, herr
		}
	}
	won, err := r.decide(ctx, requestKey, id, rev, holes)
	if err != nil {
		// Undecided: the record waits for a retry or the relay, which
		// settle it by the same rule.
		return zero, 0, err
	}
	if !won {
		// A concurrent repeat of the request, or a record of it since
		// removed, came first: ours goes, never published.
		if err := r.dropUnconfirmed(ctx, id, rev, rec.GetTicket()); err != nil {
			return zero, 0, err
		}
		v, rev, ok, err := r.answerRequest(ctx, requestKey, build)
		if err == nil && !ok {
			err = apperr.Errorf(apperr.Unavailable, "the request's record is being settled, try again")
		}
		return v, rev, err
	}
	if err := r.confirmNew(ctx, id, rev, rec.GetTicket(), v); err != nil {
		return zero, 0, err
	}
	r.flush(ctx, id, rev, rec)
	return v, rev, nil
}

// confirmNew asks Config.Confirm about v, the new record id at rev, and
// deletes it unpublished when refused (ticket as dropUnconfirmed).
func (r *Repo[T]) confirmNew(ctx context.Context, id string, rev, ticket uint64, v T) error {
	if r.cfg.Confirm == nil {
		return nil
	}
	err := r.cfg.Confirm(ctx, v)
	if !refused(err) {
		return err
	}
	if derr := r.dropUnconfirmed(ctx, id, rev, ticket); derr != nil {
		return derr
	}
	return err
}

// refused reports whether Confirm's err refuses the record.
func refused(err error) bool {
	c := apperr.ErrorCode(err)
	return c == apperr.Invalid || c == apperr.FailedPrecondition
}

// hashRequestKey makes any caller-scoped key a valid, fixed-size KV key.
func hashRequestKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// idTaken answers a create refused because id exists: with ids derived
// from the request (dinners), that is this request's earlier attempt,
// whose record carries the same request key. Otherwise taken is the
// answer.
func (r *Repo[T]) idTaken(ctx context.Context, requestKey, id string, taken error,
	build func(id string) (T, []*eventsv1.Envelope, error)) (T, uint64, error) {
	var zero T
	rec, _, err := r.readRecord(ctx, id)
	if err != nil || rec.GetRequestKey() != requestKey {
		return zero, 0, taken
	}
	v, rev, ok, err := r.answerRequest(ctx, requestKey, build)
	if err == nil && !ok {
		return zero, 0, taken
	}
	return v, rev, err
}

// answerRequest answers a request whose key the index holds, once the
// index is as new as the bucket: with the record that holds the key,
// publishing its events beside the answer if its writer died before it
// could (they are deduplicated by id); with FailedPrecondition when that record was
// removed; or, for a reservation an older version wrote, as that version
// did (takeOver). ok is false when nothing holds the key.
func (r *Repo[T]) answerRequest(ctx context.Context, requestKey string,
	build func(id string) (T, []*eventsv1.Envelope, error)) (v T, rev uint64, ok bool, err error) {
	if err := r.syncRequests(ctx); err != nil {
		return v, 0, false, err
	}
	h, ok := r.holderOf(requestKey)
	switch {
	case !ok:
		return v, 0, false, nil
	case !h.live && h.created > 0:
		// The index saw the record removed, or its person erased.
		return v, 0, true, apperr.Errorf(apperr.FailedPrecondition, CreatedRecordRemoved)
	case !h.live:
		v, rev, err = r.takeOver(ctx, h.id, build)
		return v, rev, true, err
	}
	rec, rev, err := r.readRecord(ctx, h.id)
	if apperr.ErrorCode(err) == apperr.NotFound {
		return v, 0, true, apperr.Errorf(apperr.FailedPrecondition, CreatedRecordRemoved)
	}
	if err != nil {
		return v, 0, true, err
	}
	owed := !rec.GetRemoved() && len(rec.GetOutbox()) > 0 && !r.covered(rec)
	if owed && r.cfg.Confirm != nil && asCreated(rec) {
		// Its writer may have died before Confirm: ask as it would have.
		cur, _, err := r.live(ctx, h.id, rec, rev)
		if err == nil {
			err = r.confirmNew(ctx, h.id, rev, 0, cur)
		}
		if err != nil {
			return v, 0, true, err
		}
	}
	if owed && r.cfg.Publisher != nil && !r.checkOwed(rec) {
		// Its writer may have died before publishing: publish now rather
		// than after the relay's grace. Not before answering: the record
		// holds the key, and its entry stays owing until its writer's
		// mark or the relay settles it, so a publish that fails (or
		// hangs on a lost acknowledgement) loses nothing and must not
		// hold the answer (copies are dropped by id). An update whose
		// check is owed is the relay's (ADR 0156).
		go func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := r.publishOutbox(ctx, rec, true); err != nil {
				r.log.Warn("store: outbox left for the relay", "key", h.id, "err", err)
			}
		}(context.WithoutCancel(ctx))
	}
	v, rev, err = r.live(ctx, h.id, rec, rev)
	if apperr.ErrorCode(err) == apperr.NotFound {
		err = apperr.Errorf(apperr.FailedPrecondition, CreatedRecordRemoved)
	}
	return v, rev, true, err
}

// encodeNew is the entry Create writes for v under id, sealed, with the
// write's trace context for its events. An erased person's id is
// AlreadyExists.
func (r *Repo[T]) encodeNew(ctx context.Context, id string, v T, evs []*eventsv1.Envelope) (rec *storev1.Record, plain []byte, err error) {
	data, err := proto.Marshal(v)
	if err != nil {
		return nil, nil, fmt.Errorf("store: encode: %w", err)
	}
	rec, plain, err = r.sealRecord(ctx, id, v, data, evs)
	if seal.IsShredded(err) {
		// An erased person's id: it can never be used again.
		return nil, nil, apperr.Errorf(apperr.AlreadyExists, "already exists")
	}
	if err != nil {
		return nil, nil, err
	}
	r.keepTrace(ctx, rec, nil)
	return rec, plain, nil
}

// takeOver answers a request whose entry in the requests bucket names id
// (a reservation an older version wrote beside its record, or the key of
// a record removed since): the record, or, when an older version's first
// attempt died before writing it, a new one under id; FailedPrecondition
// when the record was removed (its id is never reused).
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

// confirmCreate is the relay's check of an entry that owes events and
// carries a request key, whose writer may have died before it decided:
// by the same rule as CreateOnce, once the index is as new as the bucket,
// the record publishes only if it holds its request key; otherwise it is
// deleted unpublished. An entry as CreateNew wrote it (no request key)
// holds nothing to lose and is only asked Confirm. mine reports whether
// it stands and its events may go out.
func (r *Repo[T]) confirmCreate(ctx context.Context, id string, rev uint64, rec *storev1.Record) (mine bool, err error) {
	if rk := rec.GetRequestKey(); rk != "" {
		if err := r.syncRequests(ctx); err != nil {
			return false, err
		}
		if h, ok := r.holderOf(rk); ok && h.id != id {
			return false, r.dropUnconfirmed(ctx, id, rev, 0)
		}
	}
	if r.cfg.Confirm != nil && asCreated(rec) {
		v, _, err := r.live(ctx, id, rec, rev)
		if err != nil {
			return false, err
		}
		if err := r.confirmNew(ctx, id, rev, 0, v); err != nil {
			if refused(err) {
				return false, nil // dropped
			}
			return false, err
		}
	}
	return true, nil
}

// asCreated reports whether rec is a record as its create wrote it, never
// rewritten since (every rewrite carries created_revision, carryRequest):
// only such a record is Confirm's to refuse. One updated
// since was answered and announced; an update that owes its events is
// Config.ConfirmUpdate's, and refusing it here would delete the record
// without a word (ADR 0152).
func asCreated(rec *storev1.Record) bool { return rec.GetCreatedRevision() == 0 }

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
		r.dropRequestLocked(id)
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

// CreatedRecordRemoved is the FailedPrecondition message of a repeated
// create whose record has been removed since: the request is not run
// again, and a caller repeating a whole batch (make seed) can tell this
// refusal from others and leave the record removed.
const CreatedRecordRemoved = "the record this request created has been removed"
