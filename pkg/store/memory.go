package store

import (
	"context"
	"errors"
	"log/slog"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// errFed is returned by the write methods of a repository fed by Put:
// its records come from somewhere else (a stream), never from writes.
var errFed = errors.New("store: this repository is fed by Put, not written")

// NewFed returns a repository held only in memory, with the same index,
// Find, Lookup and Len as one kept from a bucket, whose records come from
// Put instead of a bucket's watch. It is for projections of another
// service's stream that every replica rebuilds at start (pkg/pool), where
// a bucket would cost a durable write per event and hold a second copy
// of personal data. sync is what Sync does: wait until every record the
// source held when Sync was called has been Put; Get calls it first, so
// Get stays "never stale" as with a bucket. Create, Update and Remove
// fail; Close does nothing.
func NewFed[T proto.Message](cfg Config[T], sync func(ctx context.Context) error) (*Repo[T], error) {
	if cfg.Bucket == "" || cfg.New == nil || sync == nil {
		return nil, errors.New("store: a fed repository needs Bucket (its name), New and sync")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	r := &Repo[T]{
		cfg: cfg, log: log.With("bucket", cfg.Bucket), fedSync: sync,
		loaded: true,
	}
	r.makeIndex()
	return r, nil
}

// Put makes v the record under key, indexed as a watched entry would be,
// and tells the OnChange subscribers. rev is the source's position (a
// stream sequence), kept as the record's revision. A fed repository's
// feed calls it, in order, from one goroutine at a time.
func (r *Repo[T]) Put(key string, v T, rev uint64) {
	r.mu.Lock()
	old, had := r.records[key]
	notify := !had || !proto.Equal(old.v, v)
	r.unindexLocked(key)
	r.records[key] = indexed[T]{v: v, rev: rev}
	r.indexLocked(key, v)
	r.watched = max(r.watched, rev)
	r.changedUnlock(notify, key, v, true)
}

// fed reports whether r is fed by Put (NewFed).
func (r *Repo[T]) fed() bool { return r.fedSync != nil }

// getFed is Get for a fed repository: Sync, then the index.
func (r *Repo[T]) getFed(ctx context.Context, id string) (T, uint64, error) {
	var zero T
	if err := r.fedSync(ctx); err != nil {
		return zero, 0, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.records[id]
	if !ok || !isLive(e) {
		return zero, 0, ErrNotFound
	}
	// A copy: a bucket's Get decodes a fresh record the caller may change.
	return proto.Clone(e.v).(T), e.rev, nil
}

// errFedWrite is errFed as the apperr the write methods return.
func errFedWrite() error { return apperr.Errorf(apperr.Internal, "%v", errFed) }
