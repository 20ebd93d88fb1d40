// Package store keeps a service's records in a JetStream key-value bucket.
//
// Every write is a compare-and-set on the key's revision, so concurrent
// writers never lose each other's changes: Update re-reads and re-applies
// its change function on conflict. The events a write must publish are
// stored in the same entry as the record (a transactional outbox inside the
// value), so the write and its events are durable together; they are
// published right after the write and, should the process die first, by the
// relay when any replica next runs. Every replica watches the bucket and
// keeps an in-memory index of all records for queries, so replicas converge
// without talking to each other.
package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
)

// Publisher publishes one event and returns once the stream has it.
// pkg/events.Publisher implements it.
type Publisher interface {
	Publish(ctx context.Context, env *eventsv1.Envelope) error
}

// ErrNotFound is returned (wrapped in an *apperr.Error) when a key holds no
// live record.
var ErrNotFound = apperr.Errorf(apperr.NotFound, "not found")

// Config describes a repository.
type Config[T proto.Message] struct {
	// Bucket is the KV bucket name, for example "participants".
	Bucket string
	// New returns an empty T to unmarshal into.
	New func() T
	// Replicas of the bucket's stream (1 for a single server, 3 in a cluster).
	Replicas int
	// Publisher sends outbox events. Without one, events wait in the
	// outbox for a repository that has one.
	Publisher Publisher
	// Indexes name secondary keys to look records up by, for example
	// "municipality" -> the record's municipality code.
	Indexes map[string]func(T) []string
	// RelayInterval is how often the relay looks for events left behind by
	// a crash; default 2s. RelayGrace is how old such an entry must be
	// before the relay takes it, so it does not race the writer that is
	// publishing it right now; default 2s.
	RelayInterval, RelayGrace time.Duration
	// MarkInterval is how often this replica puts its "published up to"
	// mark (marks.go) when it has moved; default 200ms. It must be well
	// below RelayGrace, or the relay republishes what the mark would
	// have covered.
	MarkInterval time.Duration
	// Logger for failures; never given record contents.
	Logger *slog.Logger
	// BeforePurge runs before an erasure's events are published and its key
	// purged: services use it to purge the person's earlier events from
	// their stream (events.PurgeSubjectID). An error leaves the erasure to
	// the relay, which retries it.
	BeforePurge func(ctx context.Context, id string) error
	// AfterPurge runs about AfterPurgeDelay after this replica erased a
	// record: a publish that was already under way when the erasure purged
	// the stream (a writer's flush, another replica's relay) may have
	// landed since, and services purge once more, keeping the erased
	// event. Retried by the relay until it succeeds; lost if this process
	// dies first. AfterPurgeDelay defaults to 15s, longer than a flush.
	AfterPurge      func(ctx context.Context, id string) error
	AfterPurgeDelay time.Duration
	// Hooks are fault-injection points for tests; nil in production.
	Hooks *Hooks
	// Keyring, when set, seals every record and the payloads of the events
	// it owes with the data key of the person it is about, and erasure
	// (Remove with purge, EraseRemoved) shreds that key, so no copy of the
	// person's data stays readable on disk. Nil stores records in clear.
	Keyring *seal.Keyring
	// Subject names the person whose key seals the record v under key;
	// "" stores it in clear (a tombstone holding only ids). Default: the
	// key itself, for buckets keyed by the person's id.
	Subject func(key string, v T) string
}

// Hooks lets tests stop a write at the points where a crash would hurt.
type Hooks struct {
	// AfterWrite runs after the entry (record and outbox) is stored and
	// before its events are published. Returning an error abandons the
	// publish as a crash would; the caller still sees success.
	AfterWrite func(key string) error
	// BeforeReserve runs before CreateOnce writes a request's
	// reservation, beside the record's own write. Returning an error
	// abandons the reservation as a crash would.
	BeforeReserve func(requestKey string) error
	// AfterRecord runs in CreateOnce once the record is stored, while
	// its reservation may still be on its way. Returning an error
	// abandons the create as a crash would: the caller gets the error.
	AfterRecord func(key string) error
}

// Change is what an update function returns: the events the change must
// publish. The record itself is changed in place.
type Change = []*eventsv1.Envelope

// Repo is a repository of T records in one bucket.
type Repo[T proto.Message] struct {
	cfg      Config[T]
	js       jetstream.JetStream
	kv       jetstream.KeyValue
	requests jetstream.KeyValue
	log      *slog.Logger

	mu      sync.RWMutex
	watched uint64 // highest revision the watch has delivered and applied
	// erased are ids purged by this replica, with when, awaiting AfterPurge.
	erased  map[string]time.Time
	records map[string]indexed[T]
	sorted  []string                     // ids in order, rebuilt lazily
	dirty   bool                         // sorted needs a rebuild
	byIndex map[string]map[string]keySet // index name -> value -> ids
	pending map[string]pendingEntry      // keys that may owe events
	marks   map[string]uint64            // writer -> its published-up-to mark
	// unconfirmed maps the request key of a create still owing its
	// events to the record's id (reserve.go); byRequest is the reverse.
	unconfirmed map[string]string
	byRequest   map[string]string
	// inOrder is byIndex's ids in order, per value that Find was asked
	// for since its set last changed (sorted.go).
	inOrder map[string]map[string][]string
	// merged is inOrder merged per multi-value query, version counts
	// index changes, totals keeps counts per version (sorted.go).
	merged  map[string][]string
	version uint64
	totals  totals
	subs    []func(id string, v T, ok bool) // change subscribers

	conflicts metric.Int64Counter
	published metric.Int64Counter

	// writer names this incarnation in the entries it writes; tickets
	// are its writes that owe events (marks.go).
	writer  string
	tickets tickets

	ready     chan struct{}
	loaded    bool // the initial values are in; guarded by mu
	stopOnce  sync.Once
	cancel    context.CancelFunc
	done      chan struct{}
	relayDone chan struct{}
	markDone  chan struct{}
}

type indexed[T proto.Message] struct {
	v   T
	rev uint64
}

type keySet map[string]struct{}

// Open creates the bucket if needed, loads every record into the index and
// starts watching for changes and relaying left-behind events. Close stops it.
func Open[T proto.Message](ctx context.Context, js jetstream.JetStream, cfg Config[T]) (*Repo[T], error) {
	if cfg.Bucket == "" || cfg.New == nil {
		return nil, errors.New("store: Bucket and New are required")
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.RelayInterval == 0 {
		cfg.RelayInterval = 2 * time.Second
	}
	if cfg.RelayGrace == 0 {
		cfg.RelayGrace = 2 * time.Second
	}
	if cfg.MarkInterval == 0 {
		cfg.MarkInterval = 200 * time.Millisecond
	}
	if cfg.AfterPurgeDelay == 0 {
		cfg.AfterPurgeDelay = 15 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   cfg.Bucket,
		History:  1, // an old revision would keep personal data after an update
		Storage:  jetstream.FileStorage,
		Replicas: cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open bucket %s: %w", cfg.Bucket, err)
	}
	requests, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   cfg.Bucket + "_requests",
		History:  1,
		Storage:  jetstream.FileStorage,
		Replicas: cfg.Replicas,
		TTL:      24 * time.Hour, // how long a request id stays idempotent
	})
	if err != nil {
		return nil, fmt.Errorf("store: open bucket %s_requests: %w", cfg.Bucket, err)
	}
	meter := otel.GetMeterProvider().Meter("github.com/motesplats/motesplats/pkg/store")
	conflicts, _ := meter.Int64Counter("store.conflicts", metric.WithDescription("revision conflicts retried by Update"))
	published, _ := meter.Int64Counter("store.outbox.published", metric.WithDescription("outbox events published"))
	r := &Repo[T]{
		cfg: cfg, js: js, kv: kv, requests: requests, log: log.With("bucket", cfg.Bucket),
		records:     map[string]indexed[T]{},
		byIndex:     map[string]map[string]keySet{},
		pending:     map[string]pendingEntry{},
		marks:       map[string]uint64{},
		unconfirmed: map[string]string{}, byRequest: map[string]string{},
		writer:    newWriterName(),
		inOrder:   map[string]map[string][]string{},
		erased:    map[string]time.Time{},
		conflicts: conflicts, published: published,
		ready: make(chan struct{}), done: make(chan struct{}),
	}
	for name := range cfg.Indexes {
		r.byIndex[name] = map[string]keySet{}
	}
	// The watch lives until Close, not until Open's context ends: NATS
	// unsubscribes a watcher whose context is done.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w, err := kv.WatchAll(runCtx)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("store: watch %s: %w", cfg.Bucket, err)
	}
	r.cancel = cancel
	r.relayDone = make(chan struct{})
	r.markDone = make(chan struct{})
	go r.watch(runCtx, w)
	go r.relayLoop(runCtx)
	go r.markLoop(runCtx)
	r.observeBacklog(meter)
	select {
	case <-r.ready:
	case <-ctx.Done():
		r.Close()
		return nil, ctx.Err()
	}
	return r, nil
}

// Close stops the watcher and the relay.
func (r *Repo[T]) Close() {
	r.stopOnce.Do(func() {
		r.cancel()
		<-r.done
		<-r.relayDone
		<-r.markDone
	})
}

// OnChange registers fn to run for every change any replica makes after
// Open, once the index has it: ok is false when the record was removed. Services use
// it to evict cached copies everywhere. fn must not block.
func (r *Repo[T]) OnChange(fn func(id string, v T, ok bool)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subs = append(r.subs, fn)
}

func (r *Repo[T]) watch(ctx context.Context, w jetstream.KeyWatcher) {
	defer close(r.done)
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() == nil {
					// Without its watch the index silently goes stale.
					r.log.Error("store: watch ended; the index no longer follows the bucket")
				}
				return
			}
			if e == nil { // end of the initial values
				r.mu.Lock()
				first := !r.loaded
				r.loaded = true
				r.mu.Unlock()
				if first {
					close(r.ready)
				}
				continue
			}
			r.apply(ctx, e.Key(), e.Revision(), e.Operation(), e.Value(), true)
		}
	}
}

// relayLoop runs the relay on its own, so a slow or unreachable stream
// never holds up the index and the cache evictions that follow it.
func (r *Repo[T]) relayLoop(ctx context.Context) {
	defer close(r.relayDone)
	tick := time.NewTicker(r.cfg.RelayInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			r.relay(ctx)
			r.afterPurges(ctx)
		}
	}
}

// afterPurges runs AfterPurge for erasures old enough.
func (r *Repo[T]) afterPurges(ctx context.Context) {
	r.mu.RLock()
	var due []string
	for id, at := range r.erased {
		if time.Since(at) >= r.cfg.AfterPurgeDelay {
			due = append(due, id)
		}
	}
	r.mu.RUnlock()
	for _, id := range due {
		if err := r.cfg.AfterPurge(ctx, id); err != nil {
			r.log.Warn("store: after-purge failed, will retry", "key", id, "err", err)
			continue
		}
		r.mu.Lock()
		delete(r.erased, id)
		r.mu.Unlock()
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
			r.watched = max(r.watched, rev)
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
	var rec storev1.Record
	live := op == jetstream.KeyValuePut
	if live {
		if err := proto.Unmarshal(data, &rec); err != nil {
			r.log.Error("store: undecodable entry", "key", key, "rev", rev)
			return
		}
		live = !rec.GetRemoved()
	}
	var v T
	if live {
		plain, shredded, err := r.plainData(ctx, key, &rec)
		if err != nil {
			r.log.Error("store: unreadable record", "key", key, "rev", rev, "err", err)
			return
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
		}
	}
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
	owes := op == jetstream.KeyValuePut && len(rec.GetOutbox()) > 0 &&
		!r.coveredLocked(rec.GetWriter(), rec.GetTicket())
	if rk, ok := r.byRequest[key]; ok {
		delete(r.unconfirmed, rk)
		delete(r.byRequest, key)
	}
	if owes && rec.GetRequestKey() != "" && !rec.GetRemoved() {
		r.unconfirmed[rec.GetRequestKey()] = key
		r.byRequest[key] = rec.GetRequestKey()
	}
	if owes {
		since := time.Now()
		if wasPending {
			since = prev.since
		}
		r.pending[key] = pendingEntry{since: since, writer: rec.GetWriter(), ticket: rec.GetTicket()}
	} else {
		delete(r.pending, key)
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
	r.dirty = true
	r.version++
	r.merged = nil
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
			delete(r.inOrder[name], val)
			set := r.byIndex[name][val]
			if set == nil {
				set = keySet{}
				r.byIndex[name][val] = set
			}
			set[key] = struct{}{}
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
				delete(r.inOrder[name], val)
				delete(r.byIndex[name][val], key)
				if len(r.byIndex[name][val]) == 0 {
					delete(r.byIndex[name], val)
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

// Get reads the record with id from the bucket (not the index, so it is
// never stale) and returns it with its revision. Returns NotFound when
// there is none.
func (r *Repo[T]) Get(ctx context.Context, id string) (T, uint64, error) {
	var zero T
	if !ids.Valid(id) {
		return zero, 0, ErrNotFound
	}
	rec, rev, err := r.getRecord(ctx, id)
	if err != nil {
		return zero, 0, err
	}
	if rec.GetRemoved() {
		return zero, 0, ErrNotFound
	}
	plain, shredded, err := r.plainData(ctx, id, rec)
	if err != nil {
		return zero, 0, err
	}
	if shredded {
		return zero, 0, ErrNotFound
	}
	v := r.cfg.New()
	if err := proto.Unmarshal(plain, v); err != nil {
		return zero, 0, fmt.Errorf("store: decode %s/%s: %w", r.cfg.Bucket, id, err)
	}
	return v, rev, nil
}

func (r *Repo[T]) getRecord(ctx context.Context, id string) (*storev1.Record, uint64, error) {
	e, err := r.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: get %s/%s: %w", r.cfg.Bucket, id, err)
	}
	var rec storev1.Record
	if err := proto.Unmarshal(e.Value(), &rec); err != nil {
		return nil, 0, fmt.Errorf("store: decode %s/%s: %w", r.cfg.Bucket, id, err)
	}
	return &rec, e.Revision(), nil
}

// Create stores v under id with the events the creation publishes. Returns
// AlreadyExists when id holds a record.
func (r *Repo[T]) Create(ctx context.Context, id string, v T, events ...*eventsv1.Envelope) (uint64, error) {
	ctx, span := r.startWrite(ctx, "create")
	defer span.End()
	if !ids.Valid(id) {
		return 0, apperr.Errorf(apperr.Invalid, "invalid id")
	}
	rec, err := r.encodeNew(ctx, id, v, events)
	if err != nil {
		return 0, err
	}
	rev, err := r.createEntry(ctx, id, rec)
	if err != nil {
		return 0, err
	}
	r.flush(ctx, id, rev, rec)
	return rev, nil
}

// createEntry writes rec under id, which must never have held anything,
// with a ticket when it owes events. Returns AlreadyExists.
func (r *Repo[T]) createEntry(ctx context.Context, id string, rec *storev1.Record) (uint64, error) {
	ticket := r.stamp(rec)
	raw, err := proto.Marshal(rec)
	if err != nil {
		r.tickets.done(ticket)
		return 0, fmt.Errorf("store: encode: %w", err)
	}
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
	r.apply(ctx, id, rev, jetstream.KeyValuePut, raw, false)
	return rev, nil
}

// Update reads the record, calls fn on it and writes it back if the
// revision has not moved; on a conflict it starts again with fresh data, so
// no concurrent update is lost. fn may run more than once and must only
// change v. It returns the events the change publishes. Returns NotFound,
// or fn's error unchanged.
func (r *Repo[T]) Update(ctx context.Context, id string, fn func(v T, rev uint64) (Change, error)) (T, uint64, error) {
	ctx, span := r.startWrite(ctx, "update")
	defer span.End()
	var zero T
	if !ids.Valid(id) {
		return zero, 0, ErrNotFound
	}
	for attempt := 0; ; attempt++ {
		rec, rev, err := r.getRecord(ctx, id)
		if err != nil {
			return zero, 0, err
		}
		if rec.GetRemoved() {
			return zero, 0, ErrNotFound
		}
		// A record whose person's key was shredded (erased through
		// another service) has no data left: fn gets an empty record, so
		// a tombstone can still be written over it.
		old, _, err := r.plainData(ctx, id, rec)
		if err != nil {
			return zero, 0, err
		}
		v := r.cfg.New()
		if err := proto.Unmarshal(old, v); err != nil {
			return zero, 0, fmt.Errorf("store: decode %s/%s: %w", r.cfg.Bucket, id, err)
		}
		evs, err := fn(v, rev)
		if err != nil {
			return zero, 0, err
		}
		data, err := proto.Marshal(v)
		if err != nil {
			return zero, 0, fmt.Errorf("store: encode: %w", err)
		}
		sealedAsWanted := (len(rec.GetSealedData()) > 0) == (r.subjectOf(id, v) != "")
		if len(evs) == 0 && bytes.Equal(data, old) && sealedAsWanted {
			// Nothing changed: no write, no revision, no evictions.
			return v, rev, nil
		}
		// Events a crashed writer left behind ride along, oldest first;
		// events its writer's mark says are out stay behind.
		var owed []*eventsv1.Envelope
		if !r.covered(rec) {
			owed = slices.Clone(rec.GetOutbox())
		}
		next, err := r.sealRecord(ctx, id, v, data, append(owed, evs...))
		if err != nil {
			return zero, 0, err
		}
		r.keepTrace(ctx, next, rec)
		newRev, err := r.write(ctx, id, next, rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			r.conflicts.Add(ctx, 1, metric.WithAttributes(attribute.String("bucket", r.cfg.Bucket)))
			if err := backoff(ctx, attempt); err != nil {
				return zero, 0, err
			}
			continue
		}
		if err != nil {
			return zero, 0, err
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
	ctx, span := r.startWrite(ctx, "remove")
	defer span.End()
	if !ids.Valid(id) {
		return ErrNotFound
	}
	for attempt := 0; ; attempt++ {
		rec, rev, err := r.getRecord(ctx, id)
		if err != nil {
			return err
		}
		if rec.GetRemoved() && !purge {
			return ErrNotFound
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
		r.keepTrace(ctx, next, rec)
		newRev, err := r.write(ctx, id, next, rev)
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			r.conflicts.Add(ctx, 1, metric.WithAttributes(attribute.String("bucket", r.cfg.Bucket)))
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		r.flush(ctx, id, newRev, next)
		return nil
	}
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

// flush publishes the outbox of the entry just written and then clears it
// (or removes the key). Failures are left to the relay: the caller's write
// is already durable, so it still succeeds.
func (r *Repo[T]) flush(ctx context.Context, id string, rev uint64, rec *storev1.Record) {
	if len(rec.GetOutbox()) == 0 && !rec.GetRemoved() {
		return
	}
	if h := r.cfg.Hooks; h != nil && h.AfterWrite != nil {
		if err := h.AfterWrite(id); err != nil {
			return
		}
	}
	if r.cfg.Publisher == nil {
		return
	}
	// The caller's context may end right after it has its answer; the
	// publish must not be cut short by that.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if !rec.GetRemoved() && rec.GetWriter() == r.writer && rec.GetTicket() > 0 {
		// No clearing write: the ticket, once done, is covered by this
		// writer's next mark (marks.go).
		if err := r.publishOutbox(ctx, rec, false); err != nil {
			r.log.Warn("store: outbox left for the relay", "key", id, "err", err)
			return
		}
		r.settle(id, rec.GetTicket())
		return
	}
	if err := r.publishAndClear(ctx, id, rev, rec, false); err != nil {
		r.log.Warn("store: outbox left for the relay", "key", id, "err", err)
	}
}

// publishOutbox publishes rec's events in order; relayed ones continue
// the trace of the write that stored them.
func (r *Repo[T]) publishOutbox(ctx context.Context, rec *storev1.Record, relayed bool) error {
	for _, ev := range rec.GetOutbox() {
		pctx := ctx
		if relayed {
			pctx = r.writeTrace(ctx, rec, ev.GetId())
		}
		if err := r.cfg.Publisher.Publish(pctx, ev); err != nil {
			return fmt.Errorf("publish %s: %w", ev.GetType(), err)
		}
		r.published.Add(ctx, 1, metric.WithAttributes(attribute.String("bucket", r.cfg.Bucket)))
	}
	return nil
}

func (r *Repo[T]) publishAndClear(ctx context.Context, id string, rev uint64, rec *storev1.Record, relayed bool) error {
	if rec.GetRemoved() && rec.GetPurge() && r.cfg.BeforePurge != nil {
		if err := r.cfg.BeforePurge(ctx, id); err != nil {
			return fmt.Errorf("before purge: %w", err)
		}
	}
	if err := r.publishOutbox(ctx, rec, relayed); err != nil {
		return err
	}
	var err error
	switch {
	case rec.GetRemoved() && rec.GetPurge():
		if err := r.shred(ctx, id, rec); err != nil {
			return err
		}
		err = r.kv.Purge(ctx, id, jetstream.LastRevision(rev))
	case rec.GetRemoved():
		err = r.kv.Delete(ctx, id, jetstream.LastRevision(rev))
	default:
		clean := &storev1.Record{Data: rec.GetData(), SealedData: rec.GetSealedData(), Subject: rec.GetSubject()}
		_, err = r.write(ctx, id, clean, rev)
	}
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		// A newer write carried the outbox forward; whoever flushes it
		// publishes these events again and JetStream drops the duplicates.
		return nil
	}
	if err != nil {
		return fmt.Errorf("clear outbox: %w", err)
	}
	if rec.GetRemoved() {
		// The index keeps its revision-only marker until the watch brings
		// the delete or purge, so a late older revision cannot revive it.
		r.mu.Lock()
		delete(r.pending, id)
		if rec.GetPurge() && r.cfg.AfterPurge != nil {
			r.erased[id] = time.Now()
		}
		r.mu.Unlock()
	}
	return nil
}

// EraseRemoved erases a record that was deleted earlier: its key holds only
// a delete marker, but events about it may still be in the stream. It runs
// BeforePurge, publishes events and purges the key. Returns NotFound when
// the key never existed, FailedPrecondition when it holds a live record
// (use Remove).
func (r *Repo[T]) EraseRemoved(ctx context.Context, id string, events ...*eventsv1.Envelope) error {
	if !ids.Valid(id) {
		return ErrNotFound
	}
	if rec, _, err := r.getRecord(ctx, id); err == nil {
		if rec.GetRemoved() {
			// A delete still waiting for its events: erase over it.
			return r.Remove(ctx, id, true, events...)
		}
		return apperr.Errorf(apperr.FailedPrecondition, "the record is not removed")
	} else if apperr.ErrorCode(err) != apperr.NotFound {
		return err
	}
	if _, err := r.kv.History(ctx, id); errors.Is(err, jetstream.ErrKeyNotFound) {
		return ErrNotFound
	} else if err != nil {
		return fmt.Errorf("store: history %s/%s: %w", r.cfg.Bucket, id, err)
	}
	if r.cfg.BeforePurge != nil {
		if err := r.cfg.BeforePurge(ctx, id); err != nil {
			return fmt.Errorf("store: before purge: %w", err)
		}
	}
	if r.cfg.Publisher != nil {
		for _, ev := range events {
			if err := r.cfg.Publisher.Publish(ctx, ev); err != nil {
				return fmt.Errorf("store: publish %s: %w", ev.GetType(), err)
			}
		}
	}
	if err := r.shred(ctx, id, &storev1.Record{}); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := r.kv.Purge(ctx, id); err != nil {
		return fmt.Errorf("store: purge %s/%s: %w", r.cfg.Bucket, id, err)
	}
	if r.cfg.AfterPurge != nil {
		r.mu.Lock()
		r.erased[id] = time.Now()
		r.mu.Unlock()
	}
	return nil
}

// relay publishes outboxes that writers left behind (a crash between write
// and publish, or NATS briefly away). Every replica runs it; publishing
// twice is harmless because events are deduplicated by id.
func (r *Repo[T]) relay(ctx context.Context) {
	if r.cfg.Publisher == nil {
		return
	}
	r.mu.Lock()
	var due []string
	for key, p := range r.pending {
		if r.coveredLocked(p.writer, p.ticket) {
			delete(r.pending, key) // its writer's mark says it is out
			continue
		}
		if time.Since(p.since) >= r.cfg.RelayGrace {
			due = append(due, key)
		}
	}
	r.mu.Unlock()
	sort.Strings(due)
	var live []owedEntry
	for _, key := range due {
		rec, rev, err := r.getRecord(ctx, key)
		if err != nil {
			if apperr.ErrorCode(err) == apperr.NotFound {
				r.mu.Lock()
				delete(r.pending, key)
				r.mu.Unlock()
			}
			continue
		}
		if !rec.GetRemoved() && (len(rec.GetOutbox()) == 0 || r.covered(rec)) {
			r.mu.Lock()
			delete(r.pending, key)
			r.mu.Unlock()
			continue
		}
		if !rec.GetRemoved() && rec.GetRequestKey() != "" {
			// A create whose writer died between its record and its
			// request reservation: publish only if the reservation
			// names it (reserve.go).
			mine, err := r.confirmCreate(ctx, key, rev, rec)
			if err != nil {
				r.log.Warn("store: relay could not confirm a create, will retry", "key", key, "err", err)
				continue
			}
			if !mine {
				continue
			}
		}
		if _, ok := r.cfg.Publisher.(AsyncPublisher); ok && !rec.GetRemoved() {
			live = append(live, owedEntry{key: key, rev: rev, rec: rec})
			continue
		}
		if err := r.publishAndClear(ctx, key, rev, rec, true); err != nil {
			r.log.Warn("store: relay failed, will retry", "key", key, "err", err)
		}
	}
	r.relayAll(ctx, live)
}

// Query selects records from the in-memory index.
type Query[T proto.Message] struct {
	// Index and Values restrict the scan to records with any of Values in
	// the named index; empty Index scans everything.
	Index  string
	Values []string
	// Filter keeps records for which it returns true; nil keeps all.
	Filter func(T) bool
	// After skips ids up to and including After (the page token).
	After string
	// Limit is the page size; 0 returns all.
	Limit int
	// NoTotal lets Find stop once the page is full and start at After
	// without counting what comes before: Total is then -1. FindCounted
	// sets it when it knows the total.
	NoTotal bool
}

// Page is a query's result.
type Page[T proto.Message] struct {
	Items []T
	// Next is the id to pass as After for the next page; empty at the end.
	Next string
	// Total counts all records matching the query, across pages.
	Total int
}

// Find runs q against the index, ordered by id. Results are shared with the
// index: callers must not modify them (proto.Clone first).
func (r *Repo[T]) Find(q Query[T]) (Page[T], error) {
	r.mu.Lock()
	if r.dirty {
		r.sorted = r.sorted[:0]
		for k, e := range r.records {
			if isLive(e) {
				r.sorted = append(r.sorted, k)
			}
		}
		sort.Strings(r.sorted)
		r.dirty = false
	}
	var candidates []string
	if q.Index != "" {
		if _, ok := r.byIndex[q.Index]; !ok {
			r.mu.Unlock()
			return Page[T]{}, fmt.Errorf("store: no index %q", q.Index)
		}
		// The ids in order come from slices kept per index value, so a
		// page costs a merge, not a sort of every id (sorted.go).
		candidates = r.inOrderLocked(q.Index, q.Values)
	}
	r.mu.Unlock()
	r.mu.RLock()
	defer r.mu.RUnlock()
	if q.Index == "" {
		candidates = r.sorted
	}
	var p Page[T]
	last := ""
	if q.NoTotal {
		p.Total = -1
		if q.After != "" {
			// candidates are in order: start right after the token.
			at, found := slices.BinarySearch(candidates, q.After)
			if found {
				at++
			}
			candidates = candidates[at:]
		}
	}
	for _, k := range candidates {
		e, ok := r.records[k]
		if !ok || !isLive(e) {
			continue
		}
		if q.Filter != nil && !q.Filter(e.v) {
			continue
		}
		if !q.NoTotal {
			p.Total++
		}
		if k <= q.After {
			continue
		}
		if q.Limit > 0 && len(p.Items) == q.Limit {
			// A match beyond a full page: there is a next page.
			p.Next = last
			if q.NoTotal {
				break
			}
			continue
		}
		p.Items = append(p.Items, e.v)
		last = k
	}
	return p, nil
}

// Sync waits until the index has applied every entry the bucket held when
// Sync was called, so a Find right after sees every write any replica made
// before. Call it before deciding from the index something that must not
// be decided twice (a job choosing whom to propose). Returns ctx's error,
// or Unavailable after 10 s.
func (r *Repo[T]) Sync(ctx context.Context) error {
	st, err := r.kv.Status(ctx)
	if err != nil {
		return fmt.Errorf("store: status %s: %w", r.cfg.Bucket, err)
	}
	bs, ok := st.(*jetstream.KeyValueBucketStatus)
	if !ok {
		return fmt.Errorf("store: status %s: unexpected type %T", r.cfg.Bucket, st)
	}
	want := bs.StreamInfo().State.LastSeq
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.mu.RLock()
		done := r.watched >= want
		r.mu.RUnlock()
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return apperr.Errorf(apperr.Unavailable, "the index of %s is behind", r.cfg.Bucket)
		}
		t := time.NewTimer(2 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Len returns how many live records the index holds.
func (r *Repo[T]) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := 0
	for _, e := range r.records {
		if isLive(e) {
			n++
		}
	}
	return n
}

// Lookup returns the indexed copy of id, if any, without touching the
// bucket; it may lag a write made by another replica by milliseconds.
func (r *Repo[T]) Lookup(id string) (T, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.records[id]
	if !ok || !isLive(e) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// Etag returns a version tag of m's content: any change of a field other
// than "etag" changes it, and an unchanged record keeps it. Clients send it
// back to make an update fail if someone changed the record in between.
// It hashes the content rather than using the KV revision, because clearing
// an outbox bumps the revision without changing the record, and rather than
// an update time, which an injected clock may repeat.
func Etag(m proto.Message) string {
	c := proto.Clone(m)
	r := c.ProtoReflect()
	if fd := r.Descriptor().Fields().ByName("etag"); fd != nil {
		r.Clear(fd)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

// RemoveScoped removes the record id on a caller's behalf, or with erase
// purges it (Remove), publishing the event that event makes for the case.
// visible tells whether the caller may see the record; one they may not
// see is NotFound, so its existence is not revealed. A record deleted
// earlier has no data left to check visibility against: it is erased only
// when mayEraseRemoved (an admin), through EraseRemoved. Returns NotFound.
func (r *Repo[T]) RemoveScoped(ctx context.Context, id string, erase bool, visible func(T) bool,
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
	return r.Remove(ctx, id, erase, ev)
}
