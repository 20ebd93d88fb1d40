package events

import (
	"context"
	"errors"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// Records is where a pool keeps its records, one per person: a
// *store.Repo satisfies it. Create returns AlreadyExists for a key in use;
// Update returns NotFound for a missing one (both as apperr codes).
type Records[T proto.Message] interface {
	Create(ctx context.Context, id string, v T, events ...*eventsv1.Envelope) (uint64, error)
	Update(ctx context.Context, id string, fn func(v T, rev uint64) ([]*eventsv1.Envelope, error)) (T, uint64, error)
}

// Pool applies another service's events about people to a pool of
// records, in any order and any number of times, with one outcome:
//
//   - apply only if newer: each record holds the time and id of the newest
//     event applied (Stamp reads them), and an event that is not newer
//     changes nothing. Equal times are ordered by event id, so the outcome
//     never depends on delivery order.
//   - tombstones: a person who leaves (withdrew consent, no longer
//     qualifies, deleted, erased) is written as a tombstone holding only
//     the id and the stamp, never removed, so a replayed older event
//     cannot bring them back.
//   - the leaver hook: Leave is told at once when someone leaves, and
//     again for a repeated erasure (a crash after the tombstone and before
//     the hook must not leave their proposals open), so it is idempotent.
//
// The programme keeps only its filter (who enters the pool: it builds the
// record or the tombstone) and its record shapes.
type Pool[T proto.Message] struct {
	// Records holds the pool. Required.
	Records Records[T]
	// Stamp returns the time and id of the event a record last applied
	// (zero and "" for none). Required.
	Stamp func(T) (time.Time, string)
	// Leave is told that the person with id left the pool; erased means
	// every trace of them must go. Optional.
	Leave func(ctx context.Context, id string, erased bool) error
}

// Newer reports whether the event (at, id) comes after the one a record
// last applied (lastAt, lastID). A record that applied none is older than
// any event.
func Newer(at time.Time, id string, lastAt time.Time, lastID string) bool {
	if lastAt.IsZero() && lastID == "" {
		return true
	}
	if !at.Equal(lastAt) {
		return at.After(lastAt)
	}
	return id > lastID
}

// Change is one event's effect on a pool: the record (or tombstone) it
// leads to, already stamped with the event's time and id.
type Change[T proto.Message] struct {
	// ID is the person's id, the record's key.
	ID string
	// Next is the record or tombstone to store.
	Next T
	// Gone says Next is a tombstone; Erased that the person was erased.
	Gone, Erased bool
}

// Apply stores c.Next under c.ID if the event behind it (env) is newer
// than what the stored record last applied, and tells Leave when the
// person left. It is safe to call again for the same event.
func (p *Pool[T]) Apply(ctx context.Context, env *eventsv1.Envelope, c Change[T]) error {
	if p.Records == nil || p.Stamp == nil {
		return errNoStamp
	}
	at := env.GetOccurredAt().AsTime()
	applied, err := p.upsert(ctx, c.ID, c.Next, func(cur T) bool {
		lastAt, lastID := p.Stamp(cur)
		return Newer(at, env.GetId(), lastAt, lastID)
	})
	if err != nil {
		return err
	}
	if c.Gone && (applied || c.Erased) && p.Leave != nil {
		return p.Leave(ctx, c.ID, c.Erased)
	}
	return nil
}

// upsert writes next under id unless the stored record is at least as new
// (isNewer false). It reports whether it wrote.
func (p *Pool[T]) upsert(ctx context.Context, id string, next T, isNewer func(cur T) bool) (bool, error) {
	// Create and Update disagree only while a removal marker sits on the
	// key (Create: AlreadyExists, Update: NotFound); pool records are never
	// removed, so a few rounds settle it, and a marker that stays is an
	// error for the consumer to retry instead of a spin.
	for attempt := 0; attempt < 5; attempt++ {
		_, err := p.Records.Create(ctx, id, next)
		if err == nil {
			return true, nil
		}
		if apperr.ErrorCode(err) != apperr.AlreadyExists {
			return false, err
		}
		applied := false
		_, _, err = p.Records.Update(ctx, id, func(cur T, _ uint64) ([]*eventsv1.Envelope, error) {
			applied = false
			if !isNewer(cur) {
				return nil, nil
			}
			proto.Reset(cur)
			proto.Merge(cur, next)
			applied = true
			return nil, nil
		})
		if apperr.ErrorCode(err) == apperr.NotFound {
			continue // removed in between: create again
		}
		return applied, err
	}
	return false, apperr.Errorf(apperr.Unavailable, "pool: record %s is being removed; try again", id)
}

// errNoStamp is returned by a Pool without Records or Stamp.
var errNoStamp = errors.New("events: a Pool needs Records and Stamp")

// sequenceKey carries the stream sequence of the message a handler runs
// for (Sequence).
type sequenceKey struct{}

func withSequence(ctx context.Context, seq uint64) context.Context {
	return context.WithValue(ctx, sequenceKey{}, seq)
}

// Sequence returns the source stream's sequence of the message a Consumer's
// handler was called for, so a handler can wait until a projection of the
// same stream has applied it (pkg/pool). ok is false outside a handler and
// for an operator's replay of a dead letter, which comes from the REPLAY
// stream and has no position in the source stream.
func Sequence(ctx context.Context) (seq uint64, ok bool) {
	seq, ok = ctx.Value(sequenceKey{}).(uint64)
	return seq, ok
}
