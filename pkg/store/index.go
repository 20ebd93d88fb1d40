package store

import (
	"bytes"
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
)

func (r *Repo[T]) watch(ctx context.Context, w jetstream.KeyWatcher) {
	defer close(r.done)
	// Without its watch the index silently goes stale.
	r.follow(ctx, w, "store: watch ended; the index no longer follows the bucket", func() {
		r.mu.Lock()
		first := !r.loaded
		r.loaded = true
		if first {
			r.noteShortLocked(w)
		}
		r.mu.Unlock()
		if first {
			close(r.ready)
		}
	}, func(e jetstream.KeyValueEntry) {
		if h := r.cfg.Hooks; h != nil && h.BeforeWatchApply != nil {
			h.BeforeWatchApply(e.Key())
		}
		r.apply(ctx, e.Key(), e.Revision(), e.Operation(), e.Value(), true)
	})
}

// follow hands w's entries to apply until ctx ends or the watch does
// (then logging lost, unless ctx ended), and calls loaded at the end of
// the initial values.
func (r *Repo[T]) follow(ctx context.Context, w jetstream.KeyWatcher, lost string, loaded func(), apply func(jetstream.KeyValueEntry)) {
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() == nil {
					r.log.Error(lost)
				}
				return
			}
			if e == nil {
				loaded()
				continue
			}
			apply(e)
		}
	}
}

// apply brings the index up to date with one entry. Entries older than the
// one indexed are ignored: a writer applies its own write at once (so a
// client reads its own writes) and the watch delivers it again later.
func (r *Repo[T]) apply(ctx context.Context, key string, rev uint64, op jetstream.KeyValueOp, data []byte, fromWatch bool) {
	if fromWatch {
		// Marked even when the entry does not decode, so Sync never waits
		// for an entry it cannot apply. The mark goes up after the entry is
		// applied (deferred), so Sync never returns before the index has it.
		defer func() {
			r.mu.Lock()
			r.noteWatchedLocked(rev)
			r.mu.Unlock()
		}()
	}
	if fromWatch {
		// The writer applied its own write already: the watch's copy of
		// it need not be decrypted and decoded again.
		r.mu.RLock()
		old, ok := r.records[key]
		r.mu.RUnlock()
		if ok && old.rev >= rev {
			return
		}
	}
	if isMark(key) {
		if op == jetstream.KeyValuePut {
			r.mu.Lock()
			r.applyMarkLocked(key, data)
			r.mu.Unlock()
		}
		return
	}
	if fromWatch && op == jetstream.KeyValuePut {
		r.mu.RLock()
		w, ok := r.own[key]
		r.mu.RUnlock()
		if ok && bytes.Equal(w.raw, data) {
			// This replica's own create, not yet applied by its writer:
			// the same bytes, so what the writer sealed is what they hold.
			r.applyRecord(ctx, key, rev, op, w.rec, w.plain, true, true)
			return
		}
	}
	var rec storev1.Record
	if op == jetstream.KeyValuePut {
		if err := proto.Unmarshal(data, &rec); err != nil {
			r.log.Error("store: undecodable entry", "key", key, "rev", rev)
			return
		}
	}
	r.applyRecord(ctx, key, rev, op, &rec, nil, false, fromWatch)
}

// applyRecord is apply with the entry decoded into rec. With known, plain
// is the record's encoding held in rec, as its writer made it, so it is
// not opened again.
func (r *Repo[T]) applyRecord(ctx context.Context, key string, rev uint64, op jetstream.KeyValueOp, rec *storev1.Record, plain []byte, known, fromWatch bool) {
	if !fromWatch {
		// The watch may have brought the writer's own entry first: then
		// it need not be decoded again.
		r.mu.RLock()
		old, ok := r.records[key]
		passed := rev <= r.watched
		r.mu.RUnlock()
		if passed || ok && old.rev >= rev {
			return
		}
	}
	live := op == jetstream.KeyValuePut && !rec.GetRemoved()
	var v T
	shredded := false
	if live {
		if !known {
			var err error
			plain, shredded, err = r.plainData(ctx, key, rec)
			if err != nil {
				r.log.Error("store: unreadable record", "key", key, "rev", rev, "err", err)
				return
			}
		}
		// A record whose person was erased elsewhere (their key shredded)
		// leaves the index like a removed one.
		live = !shredded
		if live {
			v = r.cfg.New()
			if err := proto.Unmarshal(plain, v); err != nil {
				r.log.Error("store: undecodable record", "key", key, "rev", rev)
				return
			}
			if r.cfg.Share != nil {
				r.cfg.Share(v)
			}
		}
	}
	// An erasure's removed entry never purged (a repository without a
	// publisher left them so before ADR 0191) counts with the unreadable
	// ones, so erasing its person again finds and purges it.
	unfinished := op == jetstream.KeyValuePut && rec.GetRemoved() && rec.GetPurge() &&
		len(rec.GetOutbox()) == 0 && rec.GetSubject() != ""
	r.mu.Lock()
	if !fromWatch && rev <= r.watched {
		// The watch delivers in order and has passed this revision: the
		// index already has it or something newer (perhaps its removal,
		// which a late writer's apply must not undo).
		r.mu.Unlock()
		return
	}
	if old, ok := r.records[key]; ok && old.rev >= rev {
		r.mu.Unlock()
		return
	}
	prev, wasPending := r.pending[key]
	if wasPending && prev.writer == r.writer && prev.ticket != rec.GetTicket() {
		// This writer's earlier ticket for the key is settled: its
		// events were published, or this later entry carries them.
		r.tickets.done(prev.ticket)
	}
	owes := op == jetstream.KeyValuePut && (len(rec.GetOutbox()) > 0 || rec.GetBefore() != nil) &&
		!r.coveredLocked(rec.GetWriter(), rec.GetTicket())
	r.applyRequestLocked(key, rev, op, rec, live)
	if owes {
		since := time.Now()
		if wasPending {
			since = prev.since
		}
		r.pending[key] = pendingEntry{since: since, writer: rec.GetWriter(), ticket: rec.GetTicket(), rev: rev}
	} else {
		delete(r.pending, key)
	}
	if shredded || unfinished {
		r.lost[key] = Unreadable{Key: key, Subject: rec.GetSubject(), Named: rec.GetNamedSubject()}
	} else {
		delete(r.lost, key)
	}
	old, had := r.records[key]
	// Subscribers hear of every change after the initial replay, including
	// records this replica never saw live (with one revision of history the
	// watch can skip one), but not of an outbox being cleared (same record,
	// new revision).
	notify := r.loaded && (!had || isLive(old) != live || (live && !proto.Equal(old.v, v)))
	r.unindexLocked(key)
	if live {
		r.records[key] = indexed[T]{v: v, rev: rev}
		r.indexLocked(key, v)
	} else if op == jetstream.KeyValuePut {
		// A removed entry still owes events: remember its revision so a
		// late watch delivery of an older live revision is ignored.
		r.records[key] = indexed[T]{rev: rev}
	}
	r.changedUnlock(notify, key, v, live)
}

// ownWrite is a create under way on this replica: the entry's bytes, the
// record they encode, and the record's plain encoding it holds.
type ownWrite struct {
	raw   []byte
	rec   *storev1.Record
	plain []byte
}

// ownWrite notes a create of key under way (createEntry).
func (r *Repo[T]) ownWrite(key string, w ownWrite) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.own == nil {
		r.own = map[string]ownWrite{}
	}
	r.own[key] = w
}

// ownWritten forgets the create of key with bytes raw, once its writer
// has applied it or failed; another create of key since is left noted.
func (r *Repo[T]) ownWritten(key string, raw []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w, ok := r.own[key]; ok && bytes.Equal(w.raw, raw) {
		delete(r.own, key)
	}
}

// changedUnlock ends a change of the index made under r.mu: the merged
// view and the snapshot are stale, r.mu is released, and, when notify,
// the OnChange subscribers hear of it (outside the lock, so they may read
// the repository).
func (r *Repo[T]) changedUnlock(notify bool, key string, v T, live bool) {
	r.dirty = true
	r.version++
	r.merged = nil
	r.ranked = nil
	subs := r.subs
	r.mu.Unlock()
	if !notify {
		return
	}
	for _, fn := range subs {
		fn(key, v, live)
	}
}

func (r *Repo[T]) indexLocked(key string, v T) {
	for name, fn := range r.cfg.Indexes {
		for _, val := range fn(v) {
			r.dropOrderLocked(name, val)
			set := r.byIndex[name][val]
			set.add(key)
			r.byIndex[name][val] = set
		}
	}
}

func (r *Repo[T]) unindexLocked(key string) {
	old, ok := r.records[key]
	if !ok {
		return
	}
	if isLive(old) {
		for name, fn := range r.cfg.Indexes {
			for _, val := range fn(old.v) {
				r.dropOrderLocked(name, val)
				set := r.byIndex[name][val]
				set.remove(key)
				if set.size() == 0 {
					delete(r.byIndex[name], val)
				} else {
					r.byIndex[name][val] = set
				}
			}
		}
	}
	delete(r.records, key)
}

func isLive[T proto.Message](e indexed[T]) bool {
	var zero T
	return any(e.v) != any(zero)
}
