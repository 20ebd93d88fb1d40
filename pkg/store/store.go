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
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ensure"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/kvwatch"
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
	// Orders name sort keys a Query may page in instead of id order, for
	// example "score" -> a key that sorts the best record first. Keys are
	// compared as bytes, ties by id, and must not contain "\x00".
	Orders map[string]func(T) string
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
	// Confirm is a last check of a record CreateOnce stored, once it holds
	// its request key (or CreateNew stored, once it is stored, ADR 0177)
	// and before its events go out or the caller is answered: a check
	// that must see writes made elsewhere after the record's (a service's
	// Dekker-style mark, ADR 0150). A refusal
	// (apperr Invalid or FailedPrecondition) deletes the record
	// unpublished and is the caller's answer; any other error leaves the
	// record to a retry or the relay, which ask Confirm again, so its
	// answer for a record must not change from refusal to consent.
	Confirm func(ctx context.Context, v T) error
	// ConfirmUpdate is Confirm's counterpart for Update: run once an
	// update's write is stored, before its events go out or the caller is
	// answered, with the record as it was (before) and as written (after),
	// for the updates CheckUpdate names. Any error undoes the update: the
	// record as it was is written back over it, with none of the update's
	// events, and the error is the caller's answer (ADR 0152). When the
	// writer dies before its check, or a later write of the record comes
	// first, the relay or that write asks it again about the same update
	// and undoes it on a refusal (Invalid or FailedPrecondition; ADR
	// 0156), so its answer about an update must not turn from consent to
	// refusal.
	ConfirmUpdate func(ctx context.Context, before, after T) error
	// CheckUpdate reports whether ConfirmUpdate must see the update from
	// before to after (a volunteer's move to another organisation). Only
	// such an update keeps the entry as it was beside the record until
	// its check is made, so a relay or a later write can make the check
	// and undo it when its writer could not (ADR 0156); every other
	// update stores nothing more and is not asked about. Nil: every
	// update that writes is checked.
	CheckUpdate func(before, after T) bool
	// Share, when set, is given every record the index decodes before it
	// keeps it, to replace the strings many records hold alike (codes:
	// organisation, municipality, languages) by their Canonical copies.
	// The index holds every record for as long as the process runs and
	// the collector walks all of it in every cycle, so one copy of each
	// code instead of one per record is less to walk (ADR 0204). It must
	// change no value.
	Share func(T)
	// Hooks are fault-injection points for tests; nil in production.
	Hooks *Hooks
	// Keyring, when set, seals every record and the payloads of the events
	// it owes with the data key of the person it is about, and erasure
	// (Remove with purge, EraseRemoved) shreds that key, so no copy of the
	// person's data stays readable on disk. Nil stores records in clear.
	Keyring *seal.Keyring
	// Subject names the person whose key seals the record v under key;
	// "" stores it in clear (a tombstone holding only ids). Default: the
	// key itself, for buckets keyed by the person's id. Erasure (Remove
	// with purge) shreds the key only when it is the record's own key: a
	// record kept under another key (a seating, a message) may be purged
	// for another person's erasure, and its person's own service shreds
	// their key when they are erased.
	Subject func(key string, v T) string
	// AlsoSealFor names a second person whose data the record v holds
	// besides its Subject's: a message to one person whose text names
	// another. "" (or the Subject itself) for no one. The fields named by
	// AlsoSealFields are then sealed with that person's data key and the
	// result with the Subject's, so erasing either person makes them
	// unreadable in every stored revision; the rest of the record is
	// sealed with the Subject's key alone, and reads, once the second
	// person is erased, as if those fields were empty (docs/adr/0159).
	// A record holding none of those fields is sealed with one key; a
	// write for a second person already erased stores the record without
	// them. Needs Keyring; nil seals every record under one key.
	AlsoSealFor func(key string, v T) string
	// AlsoSealFields are the fields of T (their proto names) that hold
	// the second person's data; required with AlsoSealFor.
	AlsoSealFields []string
}

// Hooks lets tests stop a write at the points where a crash would hurt.
type Hooks struct {
	// AfterWrite runs after the entry (record and outbox) is stored and
	// before its events are published. Returning an error abandons the
	// publish as a crash would; the caller still sees success.
	AfterWrite func(key string) error
	// AfterRecord runs in CreateOnce once the record is stored, before
	// the writer decides whether it holds its request key, and in
	// CreateNew before it asks Config.Confirm. Returning an
	// error abandons the create as a crash would: the caller gets the
	// error.
	AfterRecord func(key string) error
	// BeforeConfirmUpdate runs in Update once an update that owes its
	// check (Config.ConfirmUpdate) is stored, before the check. Returning
	// an error abandons the update as a crash would: the caller gets the
	// error and the entry keeps its check owed, for the relay.
	BeforeConfirmUpdate func(key string) error
	// BeforeWatchApply runs in the watch before it applies an entry, so a
	// test can hold a replica's index behind the bucket.
	BeforeWatchApply func(key string)
	// BeforeLeaderGet runs before a read from a bucket's stream leader
	// (leader.go). Returning an error fails the read as a stream without
	// a leader would.
	BeforeLeaderGet func(bucket, key string) error
	// BeforeGet runs before a direct get of key from bucket (read.go), so
	// a test can count the reads an answer cost.
	BeforeGet func(bucket, key string)
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
	// notes keys the erasure notes in requests (erasenote.go).
	notes erasureNotes

	mu      sync.RWMutex
	watched uint64 // highest revision the watch has delivered and applied
	// erased are ids purged by this replica, with when, awaiting AfterPurge.
	erased  map[string]time.Time
	records map[string]indexed[T]
	// lost are the records the index dropped because their person's key
	// is shredded, for Unreadable (sealed.go).
	lost    map[string]Unreadable
	sorted  []string                     // ids in order, rebuilt lazily
	dirty   bool                         // sorted needs a rebuild
	byIndex map[string]map[string]keySet // index name -> value -> ids
	pending map[string]pendingEntry      // keys that may owe events
	marks   map[string]uint64            // writer -> its published-up-to mark
	// requested maps a request key to the live records that carry it,
	// created first first; reqOf is a record's request key; reserved
	// holds the keys of removed records and the requests bucket's
	// entries (request.go).
	requested map[string][]requestEntry
	reqOf     map[string]string
	reserved  map[string]reservation
	// own holds this replica's creates under way, so the watch, when it
	// brings one before its writer has applied it, indexes it from what
	// the writer sealed instead of decoding and opening it (index.go).
	own map[string]ownWrite
	// holes counts the watch's skipped revisions; waiters wait for it to
	// reach a revision; requestsWatched is the requests bucket's watch's
	// last revision (request.go).
	holes           uint64
	waiters         []watchWaiter
	requestsWatched uint64
	// syncMu guards the shared index syncs: nextSync is the round the
	// next callers join, syncing says a round runs (request.go).
	syncMu   sync.Mutex
	nextSync *syncRound
	syncing  bool
	// inOrder is byIndex's ids in order, per value that Find was asked
	// for since its set last changed (sorted.go).
	inOrder map[string]map[string][]string
	// merged is inOrder merged per multi-value query, version counts
	// index changes, totals keeps counts per version (sorted.go).
	merged map[string][]string
	// rankedBy is the positions of one index value's records in one of
	// cfg.Orders, per order and index name, then value, until that
	// value's set changes; ranked is those of the other queries (several
	// values, no index), until the index next changes (ordered.go).
	rankedBy map[string]map[string][]string
	ranked   map[string][]string
	version  uint64
	totals   totals
	subs     []func(id string, v T, ok bool) // change subscribers

	conflicts metric.Int64Counter
	published metric.Int64Counter
	// inBucket is the metrics' attribute set, made once: building it per
	// published event (copy, sort, hash) cost as much as the counter.
	inBucket metric.MeasurementOption
	// spans are the write spans' names and attributes, made once (ADR
	// 0174); a repo without them (NewFed: no writes) builds them per call.
	spans writeSpans

	// writer names this incarnation in the entries it writes; tickets
	// are its writes that owe events (marks.go).
	writer  string
	tickets tickets

	// named are the fields of Config.AlsoSealFields.
	named []protoreflect.FieldDescriptor

	// fedSync is set on a repository fed by Put (memory.go): what Sync
	// waits for instead of the bucket.
	fedSync func(ctx context.Context) error

	ready  chan struct{}
	loaded bool // the initial values are in; guarded by mu
	// behindUntil is the revision the index must apply before Find
	// answers, when the first pass ended short of it; 0 once it has
	// (behind.go). Written under mu, read without it.
	behindUntil atomic.Uint64
	// requestsReady closes once the requests bucket's watch has its
	// initial values; requestsDone when it ends.
	requestsReady, requestsDone chan struct{}
	stopOnce                    sync.Once
	runCtx                      context.Context // ends at Close
	cancel                      context.CancelFunc
	done                        chan struct{}
	relayDone                   chan struct{}
	markDone                    chan struct{}
	claimDone                   chan struct{} // claimKeys ended (claim.go)
}

type indexed[T proto.Message] struct {
	v   T
	rev uint64
}

// keySet is the ids under one index value. Most values (a name's terms,
// a municipality in a small pool) hold one id, kept without a map: a map
// per value was most of the index's allocation and pointers (ADR 0151).
// Ids are never empty, so one == "" with no map is the empty set.
type keySet struct {
	one  string
	many map[string]struct{}
}

// add puts key in the set.
func (s *keySet) add(key string) {
	switch {
	case s.many != nil:
		s.many[key] = struct{}{}
	case s.one == "" || s.one == key:
		s.one = key
	default:
		s.many = map[string]struct{}{s.one: {}, key: {}}
		s.one = ""
	}
}

// remove takes key out of the set.
func (s *keySet) remove(key string) {
	if s.many != nil {
		delete(s.many, key)
	} else if s.one == key {
		s.one = ""
	}
}

// size is how many ids the set holds.
func (s keySet) size() int {
	if s.many != nil {
		return len(s.many)
	}
	if s.one != "" {
		return 1
	}
	return 0
}

// appendTo appends the set's ids to dst, in no order.
func (s keySet) appendTo(dst []string) []string {
	if s.many == nil {
		if s.one != "" {
			dst = append(dst, s.one)
		}
		return dst
	}
	for k := range s.many {
		dst = append(dst, k)
	}
	return dst
}

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
	named, err := namedFields(cfg)
	if err != nil {
		return nil, err
	}
	kv, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:   cfg.Bucket,
		History:  1, // an old revision would keep personal data after an update
		Storage:  jetstream.FileStorage,
		Replicas: cfg.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open bucket %s: %w", cfg.Bucket, err)
	}
	requests, err := ensure.KeyValue(ctx, js, jetstream.KeyValueConfig{
		Bucket:   cfg.Bucket + "_requests",
		History:  1,
		Storage:  jetstream.FileStorage,
		Replicas: cfg.Replicas,
		TTL:      requestKeep, // how long a removed record's request id stays taken
	})
	if err != nil {
		return nil, fmt.Errorf("store: open bucket %s_requests: %w", cfg.Bucket, err)
	}
	meter := otel.GetMeterProvider().Meter("github.com/motesplats/motesplats/pkg/store")
	conflicts, _ := meter.Int64Counter("store.conflicts", metric.WithDescription("revision conflicts retried by Update"))
	published, _ := meter.Int64Counter("store.outbox.published", metric.WithDescription("outbox events published"))
	r := &Repo[T]{
		cfg: cfg, js: js, kv: kv, requests: requests, log: log.With("bucket", cfg.Bucket),
		writer:    newWriterName(),
		conflicts: conflicts, published: published, named: named,
		ready: make(chan struct{}), done: make(chan struct{}),
		requestsReady: make(chan struct{}), requestsDone: make(chan struct{}),
	}
	r.inBucket = metric.WithAttributeSet(attribute.NewSet(attribute.String("bucket", cfg.Bucket)))
	r.spans = newWriteSpans(cfg.Bucket)
	r.makeIndex()
	// The watch lives until Close, not until Open's context ends: NATS
	// unsubscribes a watcher whose context is done.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w, err := kvwatch.WatchAll(runCtx, kv, js)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("store: watch %s: %w", cfg.Bucket, err)
	}
	rw, err := kvwatch.WatchAll(runCtx, requests, js)
	if err != nil {
		_ = w.Stop()
		cancel()
		return nil, fmt.Errorf("store: watch %s_requests: %w", cfg.Bucket, err)
	}
	r.cancel, r.runCtx = cancel, runCtx
	r.relayDone = make(chan struct{})
	r.markDone = make(chan struct{})
	go r.watch(runCtx, w)
	go r.watchRequests(runCtx, rw)
	go r.relayLoop(runCtx)
	go r.markLoop(runCtx)
	r.observeBacklog(meter)
	r.claimDone = make(chan struct{})
	for _, ready := range []chan struct{}{r.ready, r.requestsReady} {
		select {
		case <-ready:
		case <-ctx.Done():
			close(r.claimDone)
			r.Close()
			return nil, ctx.Err()
		}
	}
	go r.claimKeys(runCtx)
	return r, nil
}

// makeIndex makes the index's empty maps.
func (r *Repo[T]) makeIndex() {
	r.records, r.pending, r.marks = map[string]indexed[T]{}, map[string]pendingEntry{}, map[string]uint64{}
	r.lost = map[string]Unreadable{}
	r.byIndex, r.inOrder = map[string]map[string]keySet{}, map[string]map[string][]string{}
	r.requested, r.reqOf, r.reserved = map[string][]requestEntry{}, map[string]string{}, map[string]reservation{}
	r.erased = map[string]time.Time{}
	for name := range r.cfg.Indexes {
		r.byIndex[name] = map[string]keySet{}
	}
}

// Close stops the watcher and the relay.
func (r *Repo[T]) Close() {
	if r.fed() {
		return
	}
	r.stopOnce.Do(func() {
		r.cancel()
		<-r.done
		<-r.requestsDone
		<-r.relayDone
		<-r.markDone
		<-r.claimDone
		r.closeBehind()
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
