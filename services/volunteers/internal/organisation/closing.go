package organisation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ensure"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// An organisation's delete and a volunteer's create on another replica
// each check the other's side before writing their own: the delete asks
// the index of volunteers, the create asks whether the organisation
// exists. Both could pass and the organisation go under a volunteer
// (ADR 0141). A closing mark is the point both write, then read
// (docs/adr/0150-closing-leftovers.md): the delete puts the mark before
// it asks the index, takes it away if it refuses and keeps it if it
// removes; a create, once its record is stored, reads the mark from the
// stream leader. Of the two, one always sees the other's write. No mark:
// the create stands (the delete will see the volunteer). A mark: the
// create waits for the delete's outcome.

// ClosingBucket is the KV bucket of closing marks: one per organisation
// whose delete is under way or done.
const ClosingBucket = "organisations_closing"

// Bounds of a delete under way. A delete removes within closingLimit of
// its mark or gives up (Unavailable) and takes the mark away; a mark
// older than closingStale whose organisation still stands was left by a
// delete that died, and no longer holds creates back. The gap between
// the two allows for the replicas' clocks.
const (
	closingLimit = 5 * time.Second
	closingStale = 15 * time.Second
	closingPoll  = 20 * time.Millisecond
)

// ErrBeingRemoved is a volunteer create's answer when its organisation
// was removed while the volunteer was being stored.
var ErrBeingRemoved = apperr.Errorf(apperr.FailedPrecondition, "the organisation is being removed")

// errUnchecked is StillOpen's answer when it cannot tell.
var errUnchecked = apperr.Errorf(apperr.Unavailable, "the organisation could not be checked; try again")

// Closing holds the closing marks.
type Closing struct {
	js  jetstream.JetStream
	kv  jetstream.KeyValue
	now func() time.Time
}

// OpenClosing opens (or creates) the closing marks' bucket with replicas
// copies, as the organisations' own bucket. now stamps the marks.
func OpenClosing(ctx context.Context, js jetstream.JetStream, replicas int, now func() time.Time) (*Closing, error) {
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:   ClosingBucket,
		History:  1,
		Storage:  jetstream.FileStorage,
		Replicas: replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", ClosingBucket, err)
	}
	if now == nil {
		now = time.Now
	}
	return &Closing{js: js, kv: kv, now: now}, nil
}

// mark puts id's closing mark, stamped now, and returns its revision, for
// unmark. Another delete's mark of the same organisation is taken over.
func (c *Closing) mark(ctx context.Context, id string) (uint64, error) {
	rev, err := c.kv.Put(ctx, id, strconv.AppendInt(nil, c.now().UnixNano(), 10))
	if err != nil {
		return 0, fmt.Errorf("put closing mark: %w", err)
	}
	return rev, nil
}

// unmark takes a refused delete's mark away, unless a later delete has
// put its own since.
func (c *Closing) unmark(ctx context.Context, id string, rev uint64) {
	_ = c.kv.Delete(context.WithoutCancel(ctx), id, jetstream.LastRevision(rev))
}

// marked returns when id's closing mark was put, and its revision, as
// the stream's leader has it (a replica behind could miss it: ADR 0108);
// zero for none.
func (c *Closing) marked(ctx context.Context, id string) (time.Time, uint64, error) {
	data, rev, err := leader.Get(ctx, c.js, ClosingBucket, id)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return time.Time{}, 0, nil
	case err != nil:
		return time.Time{}, 0, fmt.Errorf("read closing mark: %w", err)
	}
	ns, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil || ns <= 0 {
		ns = 1 // unreadable: a mark all the same, as old as can be
	}
	return time.Unix(0, ns), rev, nil
}

// StillOpen is the check a volunteer's create makes once the volunteer is
// stored, before it is published or answered: nil while organisation id
// stands and no delete of it is under way; ErrBeingRemoved once it is
// removed. While a delete is under way it waits for the outcome, so the
// answer never turns from refusal to consent (the store's relay may ask
// again for a create whose writer died). Unavailable when it cannot tell.
// Without a mark it is one read.
func (s *Service) StillOpen(ctx context.Context, id string) error {
	if s.closing == nil {
		return s.standing(ctx, id)
	}
	for {
		at, rev, err := s.closing.marked(ctx, id)
		if err != nil {
			return errUnchecked
		}
		if at.IsZero() {
			return nil
		}
		// Read after the mark: a delete that removed shows here.
		if err := s.standing(ctx, id); err != nil {
			return err
		}
		if s.closing.now().Sub(at) > closingStale {
			// Its delete died or gave up before removing, but its
			// removal may still be on its way: fenced off, it can no
			// longer land, and the mark goes.
			return s.fence(ctx, id, rev)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(closingPoll):
		}
	}
}

// fence makes sure a removal of organisation id that a delete sent and
// stopped waiting for can never land (store.Repo.Fence), then takes the
// delete's mark (at rev) away: nil when the organisation stands fenced,
// ErrBeingRemoved when the removal landed first.
func (s *Service) fence(ctx context.Context, id string, rev uint64) error {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closingLimit)
	defer cancel()
	switch err := s.repo.Fence(fctx, id); apperr.ErrorCode(err) {
	case "":
		s.closing.unmark(fctx, id, rev)
		return nil
	case apperr.NotFound:
		return ErrBeingRemoved
	default:
		return errUnchecked
	}
}

// standing is nil while organisation id stands, by the index synced with
// the bucket; ErrBeingRemoved when it is gone.
func (s *Service) standing(ctx context.Context, id string) error {
	if err := s.repo.Sync(ctx); err != nil {
		return errUnchecked
	}
	if _, ok := s.repo.Lookup(id); !ok {
		return ErrBeingRemoved
	}
	return nil
}
