package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store/leader"
)

// Get reads the record with id from the bucket (not the index, so it is
// never stale) and returns it with its revision. A direct get that finds
// nothing, or a revision older than the index holds, is asked again of the
// stream leader (readRecord), so a record written moments ago, here or on
// another replica, is found even when a replica that is behind answers.
// Returns NotFound when the leader has none either.
//
// A removed or shredded record the direct get found is answered NotFound
// after a read from the leader (Conceal), as an id of no one is: its
// quicker answer told that someone had been there (ADR 0235).
func (r *Repo[T]) Get(ctx context.Context, id string) (T, uint64, error) {
	v, rev, _, err := r.get(ctx, id)
	return v, rev, err
}

// GetVisible is Get for a caller who may see only some records: one
// visible refuses is answered as an id of no one, NotFound, after the
// reads such an id costs (Conceal), so the time of the answer does not
// tell the caller that someone exists under id (ADR 0235). A read the
// leader already answered (the replica was behind) costs them already.
func (r *Repo[T]) GetVisible(ctx context.Context, id string, visible func(T) bool) (T, uint64, error) {
	var zero T
	v, rev, direct, err := r.get(ctx, id)
	if err != nil {
		return zero, 0, err
	}
	if !visible(v) {
		if direct {
			return zero, 0, r.Conceal(ctx)
		}
		return zero, 0, ErrNotFound
	}
	return v, rev, nil
}

// get is Get that also says whether the direct get answered, so the read
// cost less than an id of no one's.
func (r *Repo[T]) get(ctx context.Context, id string) (v T, rev uint64, direct bool, err error) {
	var zero T
	if !ids.Valid(id) {
		return zero, 0, false, ErrNotFound
	}
	if r.fed() {
		v, rev, err = r.getFed(ctx, id)
		return v, rev, false, err
	}
	rec, rev, fromLeader, err := r.readRecordFrom(ctx, id)
	if err != nil {
		return zero, 0, false, err
	}
	v, rev, err = r.live(ctx, id, rec, rev)
	if apperr.ErrorCode(err) == apperr.NotFound && !fromLeader {
		return zero, 0, false, r.Conceal(ctx)
	}
	return v, rev, !fromLeader, err
}

// noneKey is a key no record has: ids.Valid refuses '='.
const noneKey = "=none"

// Conceal does what a Get of an id of no one does after its direct get
// found nothing, read the bucket's stream leader (and find nothing), and
// answers as that Get does: NotFound, or the error the leader's read
// failed with. A caller who read a record by the direct get and must
// answer NotFound (the record is outside the caller's scope) calls it,
// so that the answer takes the time NotFound takes for an id of no one
// and existence does not show in it (ADR 0235). A fed repository, whose
// reads ask no leader, answers NotFound at once.
func (r *Repo[T]) Conceal(ctx context.Context) error {
	if r.fed() {
		return ErrNotFound
	}
	_, _, err := r.getRecordLeader(ctx, noneKey)
	return err
}

// live is the record rec holds under id at rev, or NotFound when it was
// removed or its person's key is shredded.
func (r *Repo[T]) live(ctx context.Context, id string, rec *storev1.Record, rev uint64) (T, uint64, error) {
	var zero T
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

// errUnanswered is getRecord's error when the direct get had no answer
// within directWait while the caller still had time: readRecordFrom asks
// the stream leader instead.
var errUnanswered = errors.New("no replica answered the direct get in time")

// directWait is how long getRecord waits for a direct get's answer: at
// most a second, and at most half of what is left before ctx's deadline,
// so a read from the leader still fits. Right after a partition heals a
// replica catching up can take a direct get and leave it unanswered for
// 5 s and more; a Get waited its caller's whole deadline for it and
// answered "try again" though the leader had the record (ADR 0259,
// 0268). A direct get answers in milliseconds otherwise.
func directWait(ctx context.Context) time.Duration {
	wait := time.Second
	if d, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(d)/2)
	}
	return wait
}

func (r *Repo[T]) getRecord(ctx context.Context, id string) (*storev1.Record, uint64, error) {
	if h := r.cfg.Hooks; h != nil && h.BeforeGet != nil {
		h.BeforeGet(r.cfg.Bucket, id)
	}
	dctx, cancel := context.WithTimeout(ctx, directWait(ctx))
	e, err := r.kv.Get(dctx, id)
	cancel()
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, ErrNotFound
	}
	if err != nil && ctx.Err() == nil && dctx.Err() != nil {
		return nil, 0, fmt.Errorf("store: get %s/%s: %w", r.cfg.Bucket, id, errUnanswered)
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
	// Order names one of Config.Orders: the records come in the order of
	// its keys, ties by id, and After and Page.Next are positions (At)
	// rather than ids. Empty is id order.
	Order string
	// NoTotal lets Find stop once the page is full and start at After
	// without counting what comes before: Total is then -1. FindCounted
	// sets it when it knows the total.
	NoTotal bool
}

// Page is a query's result.
type Page[T proto.Message] struct {
	Items []T
	// Next is the id (in an ordered query, the position) to pass as After
	// for the next page; empty at the end.
	Next string
	// Total counts all records matching the query, across pages.
	Total int
}

// Find runs q against the index, ordered by id or by q.Order. Results are shared with the
// index: callers must not modify them (proto.Clone first). Unavailable while
// the index is behind its bucket after Open (behind.go, ADR 0255).
func (r *Repo[T]) Find(q Query[T]) (Page[T], error) {
	if r.behindUntil.Load() != 0 {
		// Part of the bucket is not in the index yet (behind.go).
		return Page[T]{}, errBehind
	}
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
	if q.Order != "" {
		if _, ok := r.cfg.Orders[q.Order]; !ok {
			r.mu.Unlock()
			return Page[T]{}, fmt.Errorf("store: no order %q", q.Order)
		}
		if q.Index == "" {
			candidates = r.sorted
		}
		// Positions, not ids, in a slice of their own (r.sorted is
		// rebuilt in place): the loop below reads the id from each.
		candidates = r.rankedLocked(q.Order, q.Index, q.Values, candidates)
	}
	r.mu.Unlock()
	r.mu.RLock()
	defer r.mu.RUnlock()
	if q.Index == "" && q.Order == "" {
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
		id := k
		if q.Order != "" {
			_, id, _ = SplitAt(k)
		}
		e, ok := r.records[id]
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
	if r.fed() {
		return r.fedSync(ctx)
	}
	last, err := r.lastStored(ctx, r.cfg.Bucket)
	if err != nil {
		return err
	}
	return r.waitWatched(ctx, last)
}

// lastStored is the revision of the last message bucket's stream holds,
// from its leader: 0 when none. Not the stream's LastSeq, which stays on a
// message securely deleted or purged since: the watch never delivers that
// one, and a wait for it ended only at its bound (ADR 0243).
func (r *Repo[T]) lastStored(ctx context.Context, bucket string) (uint64, error) {
	seq, _, err := leader.Last(ctx, r.js, bucket)
	if err != nil {
		return 0, fmt.Errorf("store: last message of %s: %w", bucket, err)
	}
	return seq, nil
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
	// Only a message with an etag set is copied to clear it: records as
	// stored have none, and a copy per read was a tenth of a create's
	// protobuf allocation (ADR 0151).
	r := m.ProtoReflect()
	if fd := r.Descriptor().Fields().ByName("etag"); fd != nil && r.Has(fd) {
		c := proto.Clone(m).ProtoReflect()
		c.Clear(fd)
		m = c.Interface()
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
