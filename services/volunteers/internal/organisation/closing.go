package organisation

import (
	"context"
	"errors"
	"fmt"
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
// it asks the index and takes it away if it refuses; a create, once its
// record is stored, reads the mark from the stream leader and waits for
// the delete's outcome while it is there. Of the two, one always sees the
// other's write.

// ClosingBucket is the KV bucket of closing marks, one per organisation
// whose delete is under way.
const ClosingBucket = "organisations_closing"

// Bounds of a delete under way. A delete that reaches its removal later
// than closingLimit after its mark gives up (Unavailable), so a create
// waiting closingWait for the outcome always outlasts a delete still
// able to remove; a mark a crashed delete left stops counting after
// closingWait and leaves the bucket after closingKeep.
const (
	closingLimit = 5 * time.Second
	closingWait  = 10 * time.Second
	closingKeep  = time.Minute
	closingPoll  = 20 * time.Millisecond
)

// ErrBeingRemoved is a volunteer create's answer when its organisation
// was removed while the volunteer was being stored.
var ErrBeingRemoved = apperr.Errorf(apperr.FailedPrecondition, "the organisation is being removed")

// Closing holds the closing marks.
type Closing struct {
	js jetstream.JetStream
	kv jetstream.KeyValue
}

// OpenClosing opens (or creates) the closing marks' bucket with replicas
// copies, as the organisations' own bucket.
func OpenClosing(ctx context.Context, js jetstream.JetStream, replicas int) (*Closing, error) {
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:   ClosingBucket,
		History:  1,
		Storage:  jetstream.FileStorage,
		Replicas: replicas,
		TTL:      closingKeep,
	})
	if err != nil {
		return nil, fmt.Errorf("open bucket %s: %w", ClosingBucket, err)
	}
	return &Closing{js: js, kv: kv}, nil
}

// mark puts id's closing mark and returns its revision, for unmark.
// Another delete's mark of the same organisation is taken over.
func (c *Closing) mark(ctx context.Context, id string) (uint64, error) {
	rev, err := c.kv.Put(ctx, id, []byte{1})
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

// marked reports whether id's closing mark is there, as the stream's
// leader has it (a replica behind could miss it: ADR 0108).
func (c *Closing) marked(ctx context.Context, id string) (bool, error) {
	_, _, err := leader.Get(ctx, c.js, ClosingBucket, id)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return false, nil
	default:
		return false, fmt.Errorf("read closing mark: %w", err)
	}
}

// StillOpen is the check a volunteer's create makes once the volunteer is
// stored, before it is published or answered: nil while organisation id
// stands and no delete of it is under way; ErrBeingRemoved once it is
// removed. While a delete is under way it waits for the outcome, so the
// answer never changes later (the store's relay may ask again for a
// create whose writer died). Unavailable when it cannot tell.
func (s *Service) StillOpen(ctx context.Context, id string) error {
	if s.closing == nil {
		return nil
	}
	deadline := time.Now().Add(closingWait)
	for {
		marked, err := s.closing.marked(ctx, id)
		if err != nil {
			return apperr.Errorf(apperr.Unavailable, "the organisation could not be checked; try again")
		}
		// Synced after the mark's read: a delete that took its mark away
		// having removed nothing, or that removed, shows here.
		if err := s.repo.Sync(ctx); err != nil {
			return apperr.Errorf(apperr.Unavailable, "the organisation could not be checked; try again")
		}
		if _, ok := s.repo.Lookup(id); !ok {
			return ErrBeingRemoved
		}
		if !marked {
			return nil
		}
		if time.Now().After(deadline) {
			return apperr.Errorf(apperr.Unavailable, "the organisation could not be checked; try again")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(closingPoll):
		}
	}
}
