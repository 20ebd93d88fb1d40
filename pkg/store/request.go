package store

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
)

// The index of request keys (docs/adr/0146-a-create-without-its-reservation.md).
//
// A create made idempotent by a request id (CreateOnce) writes only its
// record, which carries the hashed request key; every later write of the
// record keeps the key and the revision the record was created at. Two
// records of one request key are settled by stream order: the one created
// first holds the key. Every replica's index applies the bucket's entries
// in stream order, so once a writer's index has applied the writer's own
// entry it has applied every entry before it, and it knows whether an
// earlier record of the key exists. The one exception is an entry the
// watch skipped because a newer write of the same key replaced it before
// the watch got there (History 1): then the writer asks the stream for its
// last sequence and waits for the index to reach it (syncRequests).
//
// What stays of a record that is removed: its last write before the
// delete (Remove) keeps the request key, and Remove first puts the key in
// the requests bucket, kept a day (its TTL). That bucket also holds the
// reservations older versions wrote for every create, read by its watch.

// requestKeep is how long a request key stays taken after its record was
// removed: the requests bucket's TTL.
const requestKeep = 24 * time.Hour

// requestEntry is a live record of a request key in the index.
type requestEntry struct {
	id      string
	created uint64 // the revision the record was created at
}

// reservation is what the index keeps of a request key whose record is
// gone (removed, or its person erased), or what the requests bucket holds
// for it.
type reservation struct {
	id string
	// created orders it among the key's records: 0 for an entry of the
	// requests bucket, whose record (if any) was created before any the
	// index has.
	created uint64
	at      time.Time
}

// holder is the record that holds a request key.
type holder struct {
	id      string
	created uint64
	live    bool // a live record in the index; otherwise a reservation
}

// watchWaiter is a caller waiting for the watch to apply rev.
type watchWaiter struct {
	rev uint64
	ch  chan struct{}
}

// createdRev is the revision the record in rec, read at rev, was created
// at: its create's entry does not know its own revision.
func createdRev(rec *storev1.Record, rev uint64) uint64 {
	if c := rec.GetCreatedRevision(); c > 0 {
		return c
	}
	return rev
}

// carryRequest keeps the request key of rec, read at rev, in next, the
// record's next write, so the key stays the record's for its life. It
// keeps the revision the record was created at in every rewrite, with a
// request key or not: a record without one (CreateNew) is then told from
// its create's own entry too (asCreated), and Config.Confirm, which the
// relay asks about an owed create, is never asked about an update.
func carryRequest(next, rec *storev1.Record, rev uint64) {
	next.RequestKey = rec.GetRequestKey()
	next.CreatedRevision = createdRev(rec, rev)
}

// applyRequestLocked brings the index of request keys up to date with the
// entry under key at rev. live says whether it is a live record. Called
// with r.mu held.
func (r *Repo[T]) applyRequestLocked(key string, rev uint64, op jetstream.KeyValueOp, rec *storev1.Record, live bool) {
	r.dropRequestLocked(key)
	rk := rec.GetRequestKey()
	if op != jetstream.KeyValuePut || rk == "" {
		// A delete or purge marker without a removal before it is a
		// create that lost its request (dropUnconfirmed): nothing stays.
		return
	}
	created := createdRev(rec, rev)
	if !live {
		// Removed by a caller, or its person erased: a retry of the
		// request must not create them again.
		r.reserveLocked(rk, reservation{id: key, created: created, at: time.Now()})
		return
	}
	r.reqOf[key] = rk
	list := append(r.requested[rk], requestEntry{id: key, created: created})
	slices.SortFunc(list, func(a, b requestEntry) int { return cmp.Compare(a.created, b.created) })
	r.requested[rk] = list
}

// dropRequestLocked forgets that the live record key holds its request
// key. Called with r.mu held.
func (r *Repo[T]) dropRequestLocked(key string) {
	rk, ok := r.reqOf[key]
	if !ok {
		return
	}
	delete(r.reqOf, key)
	list := slices.DeleteFunc(r.requested[rk], func(e requestEntry) bool { return e.id == key })
	if len(list) == 0 {
		delete(r.requested, rk)
		return
	}
	r.requested[rk] = list
}

// reserveLocked keeps res for rk unless an earlier one is kept. Called
// with r.mu held.
func (r *Repo[T]) reserveLocked(rk string, res reservation) {
	if cur, ok := r.reserved[rk]; ok && cur.created <= res.created && time.Since(cur.at) < requestKeep {
		if cur.id == res.id && res.at.After(cur.at) {
			cur.at = res.at
			r.reserved[rk] = cur
		}
		return
	}
	r.reserved[rk] = res
}

// holderLocked is the record that holds rk: of the live records and
// reservations of the key, the one created first. ok is false when the
// index knows none. Called with r.mu held (read).
func (r *Repo[T]) holderLocked(rk string) (h holder, ok bool) {
	if res, found := r.reserved[rk]; found && time.Since(res.at) < requestKeep {
		h, ok = holder{id: res.id, created: res.created}, true
	}
	for _, e := range r.requested[rk] {
		switch {
		case ok && e.id == h.id:
			h.live = true
		case !ok || e.created < h.created:
			h, ok = holder{id: e.id, created: e.created, live: true}, true
		}
	}
	return h, ok
}

// knowsRequest reports whether the index holds anything of rk.
func (r *Repo[T]) knowsRequest(rk string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.holderLocked(rk)
	return ok
}

// holderOf is holderLocked for callers without the lock.
func (r *Repo[T]) holderOf(rk string) (holder, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.holderLocked(rk)
}

// sweepReservations forgets reservations older than requestKeep.
func (r *Repo[T]) sweepReservations() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for rk, res := range r.reserved {
		if time.Since(res.at) >= requestKeep {
			delete(r.reserved, rk)
		}
	}
}

// watchRequests feeds the index with the requests bucket: the keys of
// removed records, and the reservations older versions wrote.
func (r *Repo[T]) watchRequests(ctx context.Context, w jetstream.KeyWatcher) {
	defer close(r.requestsDone)
	// Open waits for the initial values, also when the watch ends first.
	var ready sync.Once
	defer ready.Do(func() { close(r.requestsReady) })
	r.follow(ctx, w, "store: watch of the requests ended; removed records' request keys are no longer followed",
		func() { ready.Do(func() { close(r.requestsReady) }) },
		func(e jetstream.KeyValueEntry) {
			r.mu.Lock()
			r.requestsWatched = max(r.requestsWatched, e.Revision())
			if e.Operation() == jetstream.KeyValuePut && time.Since(e.Created()) < requestKeep && !isErasureNote(e.Key()) {
				r.reserveLocked(e.Key(), reservation{id: string(e.Value()), at: e.Created()})
			}
			r.mu.Unlock()
		})
}

// noteWatchedLocked records that the watch applied rev, counts a skipped
// revision, and wakes those waiting for it. Called with r.mu held.
func (r *Repo[T]) noteWatchedLocked(rev uint64) {
	if r.loaded && rev > r.watched+1 {
		// Entries between were replaced before the watch got to them:
		// the index may learn of an earlier record only later.
		r.holes++
	}
	r.watched = max(r.watched, rev)
	r.caughtUpLocked()
	if len(r.waiters) == 0 {
		return
	}
	kept := r.waiters[:0]
	for _, w := range r.waiters {
		if w.rev <= r.watched {
			close(w.ch)
			continue
		}
		kept = append(kept, w)
	}
	r.waiters = kept
}

// indexWait bounds a wait for the index: a watch that stopped would
// otherwise hold the caller forever.
const indexWait = 10 * time.Second

// waitWatched waits until the watch has applied rev, and so every entry
// before it. Unavailable after indexWait.
func (r *Repo[T]) waitWatched(ctx context.Context, rev uint64) error {
	r.mu.Lock()
	if r.watched >= rev {
		r.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	r.waiters = append(r.waiters, watchWaiter{rev: rev, ch: ch})
	r.mu.Unlock()
	t := time.NewTimer(indexWait)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return apperr.Errorf(apperr.Unavailable, "the index of %s is behind", r.cfg.Bucket)
	}
}

// holeCount is how many times the watch has skipped revisions.
func (r *Repo[T]) holeCount() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.holes
}

// syncRound is one shared sync of the indexes: the callers that joined it
// before it asked for the buckets' last revisions.
type syncRound struct {
	done chan struct{}
	err  error
}

// syncRequests makes the index of request keys the buckets', for a
// decision that is not a writer's own right after its write (a retry, the
// relay) or when the watch skipped an entry: it returns once both watches
// (records, requests) have applied every entry their buckets held when it
// was called. Concurrent callers share one round, and one round runs at a
// time: while the index is behind, the creates that need it cost two
// status requests per round, not two each.
func (r *Repo[T]) syncRequests(ctx context.Context) error {
	r.syncMu.Lock()
	round := r.nextSync
	if round == nil {
		round = &syncRound{done: make(chan struct{})}
		r.nextSync = round
		if !r.syncing {
			r.syncing = true
			go r.syncRounds()
		}
	}
	r.syncMu.Unlock()
	select {
	case <-round.done:
		return round.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// syncRounds runs the rounds callers joined, one after the other, until
// none is waiting.
func (r *Repo[T]) syncRounds() {
	for {
		r.syncMu.Lock()
		round := r.nextSync
		r.nextSync = nil
		if round == nil {
			r.syncing = false
			r.syncMu.Unlock()
			return
		}
		r.syncMu.Unlock()
		ctx, cancel := context.WithTimeout(r.runCtx, indexWait)
		round.err = r.Sync(ctx)
		if round.err == nil {
			round.err = r.syncRequestsWatch(ctx)
		}
		cancel()
		close(round.done)
	}
}

// syncRequestsWatch waits until the requests bucket's watch has applied
// every entry the bucket holds (its last stored one: entries that expired
// or were removed are never delivered).
func (r *Repo[T]) syncRequestsWatch(ctx context.Context) error {
	last, err := r.lastStored(ctx, r.cfg.Bucket+"_requests")
	if err != nil {
		return err
	}
	for {
		r.mu.RLock()
		done := r.requestsWatched >= last
		r.mu.RUnlock()
		if done {
			return nil
		}
		// Rare (something was removed or an older version reserved
		// just now): a short poll rather than a second waiter list.
		t := time.NewTimer(time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return apperr.Errorf(apperr.Unavailable, "the request index of %s is behind", r.cfg.Bucket)
		case <-t.C:
		}
	}
}

// decide settles a new create of id at rev for rk: true when it holds the
// key, false when an earlier record (or a removed one) does. It decides
// only once the watch has applied rev, never on the writer's own apply or
// on a read. holes is holeCount from before the write.
func (r *Repo[T]) decide(ctx context.Context, rk, id string, rev, holes uint64) (bool, error) {
	if err := r.waitWatched(ctx, rev); err != nil {
		return false, err
	}
	if r.holeCount() != holes {
		if err := r.syncRequests(ctx); err != nil {
			return false, err
		}
	}
	h, ok := r.holderOf(rk)
	return ok && h.id == id, nil
}
