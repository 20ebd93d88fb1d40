package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// A kv.Get is a JetStream direct get, which any replica of the bucket's
// stream may answer, however far behind it is (a node that rejoined after
// a partition answers with what it had until it has caught up: ADR 0108).
// Where a direct get disagrees with what the code knows, it asks again
// with leaderGet: JetStream's STREAM.MSG.GET, which only the stream's
// leader answers (package leader). A disagreement is a read that finds
// nothing (the entry may have been written moments ago on another
// replica, or a revision-0 write was refused as existing), a read older
// than the revision the index holds, a read nobody answered within
// directWait (a replica catching up after a heal took it: ADR 0268), or a
// compare-and-set refused after the read. Only then: a read that agrees
// costs no extra request (docs/adr/0113, docs/adr/0119).

// leaderGet reads the last entry of key in bucket from its stream's
// leader, never a direct get. Errors as kv.Get: jetstream.ErrKeyNotFound
// when the leader has none, jetstream.ErrKeyDeleted for a delete or purge
// marker.
func (r *Repo[T]) leaderGet(ctx context.Context, bucket, key string) ([]byte, uint64, error) {
	if h := r.cfg.Hooks; h != nil && h.BeforeLeaderGet != nil {
		if err := h.BeforeLeaderGet(bucket, key); err != nil {
			return nil, 0, err
		}
	}
	return leader.Get(ctx, r.js, bucket, key)
}

// getRecordLeader is getRecord answered by the bucket's stream leader.
func (r *Repo[T]) getRecordLeader(ctx context.Context, id string) (*storev1.Record, uint64, error) {
	data, rev, err := r.leaderGet(ctx, r.cfg.Bucket, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: get %s/%s from the stream leader: %w", r.cfg.Bucket, id, err)
	}
	var rec storev1.Record
	if err := proto.Unmarshal(data, &rec); err != nil {
		return nil, 0, fmt.Errorf("store: decode %s/%s: %w", r.cfg.Bucket, id, err)
	}
	return &rec, rev, nil
}

// readRecord is getRecord confirmed by the stream leader when the direct
// get found nothing, a revision older than the one the index holds (the
// replica that answered is behind this one), or had no answer within
// directWait (a replica catching up took it, ADR 0268). A hit at or past the
// index's revision costs nothing more; a miss costs one more read.
// NotFound when the leader has nothing either; an error from the leader
// when it cannot be asked (the caller retries rather than act on what a
// stale replica said).
func (r *Repo[T]) readRecord(ctx context.Context, id string) (*storev1.Record, uint64, error) {
	rec, rev, _, err := r.readRecordFrom(ctx, id)
	return rec, rev, err
}

// readRecordFrom is readRecord that also says whether the answer is the
// stream leader's.
func (r *Repo[T]) readRecordFrom(ctx context.Context, id string) (rec *storev1.Record, rev uint64, fromLeader bool, err error) {
	rec, rev, err = r.getRecord(ctx, id)
	if apperr.ErrorCode(err) == apperr.NotFound || errors.Is(err, errUnanswered) || (err == nil && rev < r.indexedRev(id)) {
		rec, rev, err = r.getRecordLeader(ctx, id)
		return rec, rev, true, err
	}
	return rec, rev, false, err
}

// indexedRev is the revision the index holds for id (a live record, or
// the marker of a removed one); 0 when it has none.
func (r *Repo[T]) indexedRev(id string) uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.records[id].rev
}
