package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// Create stores v under id with the events the creation publishes. Returns
// AlreadyExists when id holds a record. The repository keeps no reference
// to v (its index decodes its own copy), so the caller may change it after.
func (r *Repo[T]) Create(ctx context.Context, id string, v T, events ...*eventsv1.Envelope) (uint64, error) {
	if r.fed() {
		return 0, errFedWrite()
	}
	ctx, span := r.startWrite(ctx, "create")
	defer span.End()
	if !ids.Valid(id) {
		return 0, apperr.Errorf(apperr.Invalid, "invalid id")
	}
	rec, plain, err := r.encodeNew(ctx, id, v, events)
	if err != nil {
		return 0, err
	}
	rev, err := r.createEntry(ctx, id, rec, plain)
	if err != nil {
		return 0, err
	}
	r.flush(ctx, id, rev, rec)
	return rev, nil
}

// createEntry writes rec under id, which must never have held anything,
// with a ticket when it owes events. Returns AlreadyExists. plain is the
// record's encoding that rec holds (sealed or not): the index decodes it
// from there, without decoding rec or opening its seal again (ADR 0151).
func (r *Repo[T]) createEntry(ctx context.Context, id string, rec *storev1.Record, plain []byte) (uint64, error) {
	ticket := r.stamp(rec)
	raw, err := proto.Marshal(rec)
	if err != nil {
		r.tickets.done(ticket)
		return 0, fmt.Errorf("store: encode: %w", err)
	}
	r.ownWrite(id, ownWrite{raw: raw, rec: rec, plain: plain})
	defer r.ownWritten(id, raw)
	// Revision 0 means "this key never existed": unlike kv.Create, it
	// refuses a key that holds a delete or purge marker, so an erased
	// person can never come back under the same id.
	rev, err := r.kv.Update(ctx, id, raw, 0)
	if err != nil {
		r.refused(ticket, err)
	}
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return 0, apperr.Errorf(apperr.AlreadyExists, "already exists")
	}
	if err != nil {
		return 0, fmt.Errorf("store: create %s/%s: %w", r.cfg.Bucket, id, err)
	}
	r.applyRecord(ctx, id, rev, jetstream.KeyValuePut, rec, plain, true, false)
	return rev, nil
}

// Update reads the record, calls fn on it and writes it back if the
// revision has not moved; on a conflict it starts again with fresh data, so
// no concurrent update is lost. fn may run more than once and must only
// change v. It returns the events the change publishes. Returns NotFound,
// or fn's error unchanged.
//
// The read is a direct get, which a replica that is behind may answer
// (readRecord asks the leader when it finds nothing). Its answer is only
// trusted as far as the write's compare-and-set agrees: a refused write
// reads again from the stream leader, not from a replica that may still
// be behind (retrying on it failed until the replica caught up). And when
// fn refuses with Conflict (the caller's etag names another version) after
// a direct read, or refuses for any other reason the record's state may
// decide (refusal), the leader is asked whether a newer revision exists:
// if so fn runs again on it, so a client that sends the etag of what it
// just wrote is not refused because a stale replica answered; if not, the
// refusal is the caller's and is returned. Reads that agree cost nothing
// more (docs/adr/0119).
func (r *Repo[T]) Update(ctx context.Context, id string, fn func(v T, rev uint64) (Change, error)) (T, uint64, error) {
	var zero T
	if r.fed() {
		return zero, 0, errFedWrite()
	}
	ctx, span := r.startWrite(ctx, "update")
	defer span.End()
	if !ids.Valid(id) {
		return zero, 0, ErrNotFound
	}
	fromLeader := false // the next read goes to the stream leader
	for attempt := 0; ; attempt++ {
		rec, rev, leaders, err := r.readUpdate(ctx, id, fromLeader)
		if err != nil {
			return zero, 0, err
		}
		if rec.GetRemoved() {
			return zero, 0, ErrNotFound
		}
		if r.checkOwed(rec) {
			// An update whose check is owed (its writer died, or is
			// checking now): this write would carry its events out
			// unchecked and keep it from being undone, so it is
			// checked first (ADR 0156).
			undone, err := r.settleCheck(ctx, id, rec, rev)
			if err != nil {
				return zero, 0, err
			}
			if undone {
				fromLeader = true
				continue
			}
		}
		// A record whose person's key was shredded (erased through
		// another service) has no data left: fn gets an empty record, so
		// a tombstone can still be written over it.
		old, _, lost, err := r.openRecord(ctx, id, rec)
		if err != nil {
			return zero, 0, err
		}
		v := r.cfg.New()
		if err := proto.Unmarshal(old, v); err != nil {
			return zero, 0, fmt.Errorf("store: decode %s/%s: %w", r.cfg.Bucket, id, err)
		}
		var before T // the record as it was, for ConfirmUpdate (fn changes v)
		if r.cfg.ConfirmUpdate != nil {
			before = r.cfg.New()
			if err := proto.Unmarshal(old, before); err != nil {
				return zero, 0, fmt.Errorf("store: decode %s/%s: %w", r.cfg.Bucket, id, err)
			}
		}
		evs, err := fn(v, rev)
		if err != nil {
			if !leaders && refusal(err) && r.leaderIsNewer(ctx, id, rev) {
				fromLeader = true
				continue
			}
			return zero, 0, err
		}
		data, err := proto.Marshal(v)
		if err != nil {
			return zero, 0, fmt.Errorf("store: encode: %w", err)
		}
		subject := r.subjectOf(id, v)
		sealedAsWanted := (len(rec.GetSealedData()) > 0) == (subject != "") &&
			rec.GetNamedSubject() == r.namedSubject(id, v, subject)
		// A part naming a second person who is erased since (lost) is
		// written away, so the index drops what it still holds of them.
		if len(evs) == 0 && bytes.Equal(data, old) && sealedAsWanted && !lost {
			// Nothing changed: no write, no revision, no evictions.
			return v, rev, nil
		}
		// Events a crashed writer left behind ride along, oldest first;
		// events its writer's mark says are out stay behind.
		var owed []*eventsv1.Envelope
		if !r.covered(rec) {
			owed = slices.Clone(rec.GetOutbox())
		}
		next, _, err := r.sealRecord(ctx, id, v, data, append(owed, evs...))
		if err != nil {
			return zero, 0, err
		}
		carryRequest(next, rec, rev)
		checked := r.cfg.ConfirmUpdate != nil && (r.cfg.CheckUpdate == nil || r.cfg.CheckUpdate(before, v))
		if checked {
			// Until its check is made the entry keeps what it held, as
			// stored (sealed), so whoever makes the check can undo it.
			next.Before = storedPart(rec)
			next.Before.Outbox = owed
		}
		r.keepTrace(ctx, next, rec)
		newRev, err := r.write(ctx, id, next, rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			r.conflicts.Add(ctx, 1, r.inBucket)
			if err := backoff(ctx, attempt); err != nil {
				return zero, 0, err
			}
			fromLeader = true
			continue
		}
		if err != nil {
			return zero, 0, err
		}
		if checked {
			if h := r.cfg.Hooks; h != nil && h.BeforeConfirmUpdate != nil {
				if err := h.BeforeConfirmUpdate(id); err != nil {
					return zero, 0, err
				}
			}
			if err := r.confirmUpdate(ctx, id, before, v, newRev, next); err != nil {
				return zero, 0, err
			}
		}
		r.flush(ctx, id, newRev, next)
		return v, newRev, nil
	}
}

// Remove deletes the record with id, publishing events first. With purge the
// key is purged (its history and marker gone: erasure); otherwise a delete
// marker stays. The record's data is dropped from the entry at once, so even
// while its events are owed no personal data is kept. Returns NotFound.
func (r *Repo[T]) Remove(ctx context.Context, id string, purge bool, events ...*eventsv1.Envelope) error {
	if r.fed() {
		return errFedWrite()
	}
	ctx, span := r.startWrite(ctx, "remove")
	defer span.End()
	if !ids.Valid(id) {
		return ErrNotFound
	}
	fromLeader := false // after a refused write, as in Update
	kept := false       // the request key is in the requests bucket
	for attempt := 0; ; attempt++ {
		rec, rev, _, err := r.readUpdate(ctx, id, fromLeader)
		if err != nil {
			return err
		}
		if rec.GetRemoved() && !purge {
			return ErrNotFound
		}
		if !purge && r.checkOwed(rec) {
			// As in Update: a removal carries the events it finds owed.
			undone, err := r.settleCheck(ctx, id, rec, rev)
			if err != nil {
				return err
			}
			if undone {
				fromLeader = true
				continue
			}
		}
		if rk := rec.GetRequestKey(); rk != "" && !rec.GetRemoved() && !kept {
			// A retry of the request that created the record must not
			// create it again once it is gone: the key is kept a day
			// (the bucket's TTL), durable before the record goes.
			if _, err := r.requests.Put(ctx, rk, []byte(id)); err != nil {
				return fmt.Errorf("store: keep request of %s/%s: %w", r.cfg.Bucket, id, err)
			}
			kept = true
		}
		var outbox []*eventsv1.Envelope
		if !r.covered(rec) {
			outbox = slices.Clone(rec.GetOutbox())
		}
		outbox = append(outbox, events...)
		if purge {
			// Events still owed about the record would be published after
			// the purge of its history and outlive the erasure: only the
			// erasure's own events go out.
			outbox = events
		}
		// Removal events carry ids only and stay in clear: an erasure's
		// must still be read after the key is shredded.
		next := &storev1.Record{Removed: true, Purge: purge || rec.GetPurge(), Outbox: outbox, Subject: rec.GetSubject()}
		carryRequest(next, rec, rev)
		r.keepTrace(ctx, next, rec)
		newRev, err := r.write(ctx, id, next, rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			r.conflicts.Add(ctx, 1, r.inBucket)
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
			fromLeader = true
			continue
		}
		if err != nil {
			return err
		}
		r.flush(ctx, id, newRev, next)
		return nil
	}
}

// readUpdate is the read an update or a removal starts from: readRecord,
// or with fromLeader the stream leader's entry (after the compare-and-set
// refused the previous read's revision). leaders says whether the answer
// is the leader's.
func (r *Repo[T]) readUpdate(ctx context.Context, id string, fromLeader bool) (*storev1.Record, uint64, bool, error) {
	if fromLeader {
		rec, rev, err := r.getRecordLeader(ctx, id)
		return rec, rev, true, err
	}
	return r.readRecordFrom(ctx, id)
}

// refusal reports whether an update function's error may come from the
// record it was given (an etag, a state, a scope, a validation of the
// merged record), so a newer revision might not refuse: any domain code but
// Unauthenticated, Unavailable and Internal (a failure, not a decision).
func refusal(err error) bool {
	switch apperr.ErrorCode(err) {
	case apperr.Invalid, apperr.NotFound, apperr.AlreadyExists, apperr.Conflict,
		apperr.FailedPrecondition, apperr.PermissionDenied:
		return true
	}
	return false
}

// leaderIsNewer reports whether the stream leader holds a revision of id
// newer than rev: the direct read at rev came from a replica that is
// behind. A leader that cannot be asked counts as not newer, so the
// caller's own answer stands.
func (r *Repo[T]) leaderIsNewer(ctx context.Context, id string, rev uint64) bool {
	_, lrev, err := r.leaderGet(ctx, r.cfg.Bucket, id)
	return err == nil && lrev > rev
}

// write replaces the entry at revision rev with rec; a live record that
// owes events gets a ticket (marks.go), settled by flush.
func (r *Repo[T]) write(ctx context.Context, id string, rec *storev1.Record, rev uint64) (uint64, error) {
	var ticket uint64
	if !rec.GetRemoved() {
		ticket = r.stamp(rec)
	}
	raw, err := proto.Marshal(rec)
	if err != nil {
		r.tickets.done(ticket)
		return 0, fmt.Errorf("store: encode: %w", err)
	}
	newRev, err := r.kv.Update(ctx, id, raw, rev)
	if err != nil {
		r.refused(ticket, err)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return 0, jetstream.ErrKeyRevisionMismatch
		}
		return 0, fmt.Errorf("store: update %s/%s: %w", r.cfg.Bucket, id, err)
	}
	r.apply(ctx, id, newRev, jetstream.KeyValuePut, raw, false)
	return newRev, nil
}

func backoff(ctx context.Context, attempt int) error {
	if attempt >= 200 {
		return apperr.Errorf(apperr.Unavailable, "too much contention, try again")
	}
	d := time.Duration(1+rand.IntN(1+min(attempt, 20))) * time.Millisecond
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// RemoveScoped removes the record id on a caller's behalf, or with erase
// purges it (Remove), publishing the event that event makes for the case.
// visible tells whether the caller may see the record; one they may not
// see is NotFound, so its existence is not revealed. A record deleted
// earlier has no data left to check visibility against: it is erased only
// when mayEraseRemoved (an admin), through EraseRemoved. actor names the
// caller (their user id; "" for none): an erasure is noted under their
// name before it is written, and their retry of it after the record is
// gone (the first told "unavailable" when the service stopped after
// writing it) answers as the first, not NotFound; anyone else's is
// NotFound, as for an id that never was (erasenote.go, ADR 0264).
// Returns NotFound.
func (r *Repo[T]) RemoveScoped(ctx context.Context, id string, erase bool, actor string, visible func(T) bool,
	mayEraseRemoved bool, event func(erase bool) (*eventsv1.Envelope, error)) error {
	// Reading before removing races with a concurrent move out of scope;
	// that is harmless, since removal only takes data away.
	cur, _, err := r.Get(ctx, id)
	if erase && mayEraseRemoved && apperr.ErrorCode(err) == apperr.NotFound {
		ev, err := event(true)
		if err != nil {
			return err
		}
		return r.EraseRemoved(ctx, id, ev)
	}
	if erase && actor != "" && apperr.ErrorCode(err) == apperr.NotFound {
		noted, nerr := r.erasedBy(ctx, actor, id)
		if nerr != nil {
			return nerr
		}
		if noted {
			return r.finishErasure(ctx, id, event)
		}
	}
	if err != nil {
		return err
	}
	if !visible(cur) {
		return ErrNotFound
	}
	ev, err := event(erase)
	if err != nil {
		return err
	}
	if erase && actor != "" && !mayEraseRemoved {
		// Durable before the removal is written: a retry after a crash
		// past the write finds it. An admin's retry needs none: it
		// erases what is gone through EraseRemoved.
		if err := r.noteErasure(ctx, actor, id); err != nil {
			return err
		}
	}
	return r.Remove(ctx, id, erase, ev)
}
