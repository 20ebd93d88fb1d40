package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
)

// A write's outbox used to be cleared by a second write of the whole
// record once its events were out: two durable writes per create, one
// after the other, on the bucket's stream (which JetStream syncs one
// message at a time). Instead every replica incarnation (one Open) is a
// writer with a random name; each write that owes events takes the next
// ticket of its writer, and the entry records both. When the events are
// published the ticket is done, and a few times a second the writer puts
// its "published up to" mark, the highest ticket below which every ticket
// is done, under markPrefix+writer in the same bucket. An entry whose
// ticket is at or below its writer's mark owes nothing: the relay leaves
// it alone and the next write of the record drops its old events. One
// small write per MarkInterval replaces one full write per create. See
// docs/adr/0034-one-write-per-create.md.

// markPrefix names a writer's mark in the bucket. Record ids never
// contain '.', so no record can collide with a mark.
const markPrefix = "_published."

// isMark reports whether key is a writer's mark rather than a record.
func isMark(key string) bool { return strings.HasPrefix(key, markPrefix) }

// pendingEntry is an entry that may still owe events, as the index saw it.
type pendingEntry struct {
	since  time.Time // when this replica first saw it owing
	writer string    // the entry's writer and ticket ("" and 0: none)
	ticket uint64
	// rev is the entry's revision: a read of the key that returns an
	// older one (or none) comes from a replica that is behind (relay.go).
	rev uint64
}

// tickets hands out a writer's tickets and knows which are done. Its lock
// is taken after Repo.mu, never before.
type tickets struct {
	mu   sync.Mutex
	last uint64              // the last ticket issued
	open map[uint64]struct{} // issued and not done
}

func (t *tickets) issue() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.last++
	if t.open == nil {
		t.open = map[uint64]struct{}{}
	}
	t.open[t.last] = struct{}{}
	return t.last
}

// done marks ticket n done: its events are published, or its entry was
// never stored, or a later write of the record took its events over.
func (t *tickets) done(n uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.open, n)
}

// isDone reports whether ticket n was issued and is done.
func (t *tickets) isDone(n uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, open := t.open[n]
	return n > 0 && n <= t.last && !open
}

// low returns the highest ticket at or below which every ticket is done.
func (t *tickets) low() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	low := t.last
	for n := range t.open {
		low = min(low, n-1)
	}
	return low
}

func newWriterName() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// stamp gives rec, about to be written, the next ticket of this writer
// when it owes events that this repository will publish. The caller
// passes the ticket to settle once the write is over.
func (r *Repo[T]) stamp(rec *storev1.Record) uint64 {
	if (len(rec.GetOutbox()) == 0 && rec.GetBefore() == nil) || r.cfg.Publisher == nil {
		// An update whose check is owed takes one even without events:
		// done, it says the check was made (ADR 0156).
		return 0
	}
	rec.Writer, rec.Ticket = r.writer, r.tickets.issue()
	return rec.Ticket
}

// coveredLocked reports whether an entry's events are known published:
// its ticket is at or below its writer's mark, or it is this writer's own
// ticket and done. Called with r.mu held.
func (r *Repo[T]) coveredLocked(writer string, ticket uint64) bool {
	if writer == "" || ticket == 0 {
		return false
	}
	if ticket <= r.marks[writer] {
		return true
	}
	return writer == r.writer && r.tickets.isDone(ticket)
}

// covered is coveredLocked for callers without the lock.
func (r *Repo[T]) covered(rec *storev1.Record) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.coveredLocked(rec.GetWriter(), rec.GetTicket())
}

// settledLocked forgets that the entry under key owes events. Called with
// r.mu held.
func (r *Repo[T]) settledLocked(key string) {
	delete(r.pending, key)
}

// settle marks ticket n of the entry under key done once its events are
// out: the entry no longer counts as owing.
func (r *Repo[T]) settle(key string, n uint64) {
	if n == 0 {
		return
	}
	r.tickets.done(n)
	r.mu.Lock()
	if p, ok := r.pending[key]; ok && p.writer == r.writer && p.ticket == n {
		r.settledLocked(key)
	}
	r.mu.Unlock()
}

// applyMark takes in a writer's mark from the bucket and forgets every
// pending entry it covers. Called with r.mu held.
func (r *Repo[T]) applyMarkLocked(key string, data []byte) {
	writer := strings.TrimPrefix(key, markPrefix)
	n, err := strconv.ParseUint(string(data), 10, 64)
	if err != nil {
		r.log.Error("store: undecodable mark", "key", key)
		return
	}
	if n <= r.marks[writer] {
		return
	}
	r.marks[writer] = n
	for k, p := range r.pending {
		if p.writer == writer && p.ticket <= n {
			r.settledLocked(k)
		}
	}
}

// markLoop puts this writer's mark whenever it has moved, at most once per
// MarkInterval, and once more when the repository closes, so a restart
// does not publish again what this incarnation published.
func (r *Repo[T]) markLoop(ctx context.Context) {
	defer close(r.markDone)
	tick := time.NewTicker(r.cfg.MarkInterval)
	defer tick.Stop()
	var written uint64
	put := func(ctx context.Context) {
		low := r.tickets.low()
		if low <= written {
			return
		}
		if _, err := r.kv.Put(ctx, markPrefix+r.writer, []byte(strconv.FormatUint(low, 10))); err != nil {
			// The relay republishes what the mark would have covered
			// (JetStream drops the copies); the next tick tries again.
			r.log.Warn("store: published mark not written", "err", err)
			return
		}
		written = low
	}
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			put(fctx)
			cancel()
			return
		case <-tick.C:
			put(ctx)
		}
	}
}

// refused settles the ticket of a write that failed with err only when
// JetStream refused it (the revision moved, the key exists): nothing was
// stored. Any other failure (a timeout, a lost leader, a partition) may
// have stored the entry after all; were its ticket done, the next mark
// would cover an entry whose events were never published. So its ticket
// stays open: if the entry landed, the relay publishes it and the apply of
// the clearing write settles the ticket; if not, this writer's mark stays
// below it until the next incarnation and other replicas relay this
// writer's newer entries (duplicates dropped by the stream), which costs
// writes, never events.
func (r *Repo[T]) refused(ticket uint64, err error) {
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		r.tickets.done(ticket)
		return
	}
	r.log.Warn("store: write outcome unknown, its events are left to the relay", "err", err)
}
