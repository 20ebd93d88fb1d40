package pool

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// HandleLeave is the handler of a side's durable consumer, which takes
// the source's LeaveTypes: it waits until the feed has applied the event
// (its stream sequence, events.Sequence; an operator's replay waits for
// Sync instead), then tells Leave if the person is gone from the pool.
// The durable consumer keeps leaving at least once across crashes and
// restarts, as it was when the pool was a bucket; Leave is idempotent, so
// a redelivery calls it again harmlessly. A person the feed has seen come
// back by a newer event is not gone, and Leave is not called. An erasure
// of someone the feed never saw calls Leave too: their records may be
// back from a backup, unreadable.
func (s *Side[T]) HandleLeave(ctx context.Context, env *eventsv1.Envelope) error {
	id, erased, ok, err := s.leaver(env)
	if !ok || err != nil {
		return err
	}
	seq, known := events.Sequence(ctx)
	if !known {
		seq = 0
	}
	// Bounded by the consumer's AckWait (ctx), not Sync's 10 s: a slow
	// feed should delay a leave, not dead-letter it.
	if err := s.feed.sync(ctx, seq, 0); err != nil {
		return err
	}
	v, found := s.Repo.Lookup(id)
	if s.spec.Leave == nil {
		return nil
	}
	if !found && erased {
		// Someone the feed never saw: their events were sealed with a key
		// destroyed before the feed read them (a restore from a backup
		// taken before their erasure). Their programme records may have
		// come back with the backup; Leave finds them unreadable and
		// removes them (ADR 0191).
		return s.spec.Leave(ctx, id, true)
	}
	if !found || !v.GetGone() {
		return nil
	}
	return s.spec.Leave(ctx, id, erased || s.erased(v))
}

// leaver decodes who an event of the side's source is about, and whether
// it erases them. ok is false for types that say nothing about one
// person of the source.
func (s *Side[T]) leaver(env *eventsv1.Envelope) (id string, erased, ok bool, err error) {
	switch s.spec.Source {
	case Participants:
		f, ok, err := participantFact(env)
		return f.id, f.erased, ok, err
	case Volunteers:
		f, ok, err := volunteerFact(env)
		return f.id, f.erased, ok, err
	case Organisations:
		f, ok, err := organisationFact(env)
		return f.id, f.erased, ok, err
	}
	return "", false, false, events.Permanent(apperr.Errorf(apperr.Internal, "pool %s: no Source", s.spec.Bucket))
}

// fedRecords lets events.Pool apply to a fed store.Repo: read, compare,
// put, with Side.applyMu held so nothing comes in between.
type fedRecords[T Record] struct{ repo *store.Repo[T] }

// Create puts v unless id holds a record (a tombstone too).
func (r fedRecords[T]) Create(_ context.Context, id string, v T, _ ...*eventsv1.Envelope) (uint64, error) {
	if _, ok := r.repo.Lookup(id); ok {
		return 0, apperr.Errorf(apperr.AlreadyExists, "already exists")
	}
	r.repo.Put(id, v, 0)
	return 0, nil
}

// Update calls fn on a copy of id's record (the index's may be read by a
// query right now) and puts the copy if fn changed it.
func (r fedRecords[T]) Update(_ context.Context, id string, fn func(v T, rev uint64) ([]*eventsv1.Envelope, error)) (T, uint64, error) {
	cur, ok := r.repo.Lookup(id)
	if !ok {
		var zero T
		return zero, 0, store.ErrNotFound
	}
	next := proto.Clone(cur).(T)
	if _, err := fn(next, 0); err != nil {
		return cur, 0, err
	}
	if !proto.Equal(cur, next) {
		r.repo.Put(id, next, 0)
	}
	return next, 0, nil
}

// View is what a test reads of one side of a programme's pool, whatever
// its record type: the side's own records live in its service's memory,
// not in a bucket a test could read.
type View interface {
	// Sync waits until the side has applied its source's newest event.
	Sync(ctx context.Context) error
	// Len counts the records, tombstones included.
	Len() int
	// Records returns every record by id, tombstones included; they are
	// shared with the side: do not modify them.
	Records() map[string]proto.Message
}

// Len counts the side's records, tombstones included (as the keys of the
// bucket it was kept in before).
func (s *Side[T]) Len() int { return s.Repo.Len() }

// Records returns every record by id, tombstones included.
func (s *Side[T]) Records() map[string]proto.Message {
	pg, err := s.Repo.Find(store.Query[T]{})
	out := make(map[string]proto.Message, len(pg.Items))
	if err != nil {
		return out
	}
	for _, v := range pg.Items {
		out[v.ProtoReflect().Get(s.idFD).String()] = v
	}
	return out
}
