package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/jsbatch"
	"github.com/motesplats/motesplats/pkg/seal"
)

// BatchPublisher publishes many events and returns once the stream has
// them all; pkg/events.Publisher implements it with atomic batches (one
// fsync per batch). A Config.Publisher that implements it is used so by
// CreateBatch.
type BatchPublisher interface {
	PublishBatch(ctx context.Context, envs []*eventsv1.Envelope) error
}

// Item is one record for CreateBatch: its id, value and the events its
// creation publishes.
type Item[T proto.Message] struct {
	ID     string
	V      T
	Events []*eventsv1.Envelope
}

// outboxBudget bounds the events one batch's shared outbox entry holds
// (the NATS default max payload is 1 MB).
const outboxBudget = 512 << 10

// outboxKeyPrefix names a batch's shared outbox entry in the bucket: a
// removed entry that owes events, which the relay publishes and deletes
// like any other (see CreateBatch).
const outboxKeyPrefix = "outbox-"

// CreateBatch creates each item whose id has never held a record, as
// Create does one at a time, with a durable write per up to 999 records
// instead of per record: the fast path for jobs that write thousands of
// records at once (docs/adr/0033-batched-durable-writes.md).
//
// Each chunk of items is one JetStream atomic batch into the bucket: every
// record with "expected revision 0" (so an id that exists, or was erased,
// is never overwritten) and one more entry, a removed record whose outbox
// holds all the chunk's events. All are stored or none: the records and
// their events are durable together, as with Create's outbox. Then the
// events are published (in atomic batches too, when the Publisher is a
// BatchPublisher) and the shared entry deleted; should the process die
// first, the relay of any replica publishes its events and deletes it.
// When the batch is refused because an id already holds something (ids
// the index knows are left out beforehand), the chunk falls back to Create
// item by item.
//
// It returns one error per item, in order: nil when this call created it,
// AlreadyExists when the id holds (or held) a record, Invalid for a bad
// id. The error return is for a failure of the whole call. When it
// returns, the index has every record created.
func (r *Repo[T]) CreateBatch(ctx context.Context, items []Item[T]) ([]error, error) {
	ctx, span := r.startWrite(ctx, "create_batch")
	defer span.End()
	span.SetAttributes(attribute.Int("store.batch.items", len(items)))
	out := make([]error, len(items))
	if err := r.allowAtomic(ctx); err != nil {
		return nil, err
	}
	var chunk []int // indices into items
	var budget int
	// A chunk's events are published while the next chunk's records are
	// written: the bucket's stream and the event stream work in parallel.
	// At most one publish runs behind; all are done before Sync.
	publishing := make(chan struct{}, 1)
	defer func() { publishing <- struct{}{} }() // waits for a publish still running
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		after, err := r.createChunk(ctx, items, chunk, out)
		chunk, budget = chunk[:0], 0
		if err != nil || after == nil {
			return err
		}
		publishing <- struct{}{}
		go func() {
			defer func() { <-publishing }()
			after()
		}()
		return nil
	}
	for i, it := range items {
		if !ids.Valid(it.ID) {
			out[i] = apperr.Errorf(apperr.Invalid, "invalid id")
			continue
		}
		r.mu.RLock()
		_, known := r.records[it.ID]
		r.mu.RUnlock()
		if known {
			out[i] = apperr.Errorf(apperr.AlreadyExists, "already exists")
			continue
		}
		size := 0
		for _, ev := range it.Events {
			size += proto.Size(ev)
		}
		if len(chunk) > 0 && (len(chunk) == jsbatch.Max-1 || budget+size > outboxBudget) {
			if err := flush(); err != nil {
				return nil, err
			}
		}
		chunk = append(chunk, i)
		budget += size
	}
	if err := flush(); err != nil {
		return nil, err
	}
	publishing <- struct{}{} // the last publish is done
	<-publishing
	// Read-your-writes: the index follows the bucket's watch.
	if err := r.Sync(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// createChunk writes items[chunk] with their events in one atomic batch,
// or item by item when the batch is refused; out gets each item's
// outcome. after, when not nil, publishes the events and deletes the
// shared outbox entry: failures there are left to the relay.
func (r *Repo[T]) createChunk(ctx context.Context, items []Item[T], chunk []int, out []error) (after func(), err error) {
	msgs := make([]*nats.Msg, 0, len(chunk)+1)
	var owed []*eventsv1.Envelope
	for _, i := range chunk {
		it := items[i]
		data, err := proto.Marshal(it.V)
		if err != nil {
			return nil, fmt.Errorf("store: encode: %w", err)
		}
		rec, _, err := r.sealRecord(ctx, it.ID, it.V, data, it.Events)
		if seal.IsShredded(err) {
			out[i] = apperr.Errorf(apperr.AlreadyExists, "already exists")
			continue
		}
		if err != nil {
			return nil, err
		}
		// The sealed events go to the shared outbox; the record carries none.
		owed = append(owed, rec.GetOutbox()...)
		rec.Outbox = nil
		raw, err := proto.Marshal(rec)
		if err != nil {
			return nil, fmt.Errorf("store: encode: %w", err)
		}
		msgs = append(msgs, r.createMsg(it.ID, raw))
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	key := outboxKeyPrefix + randomHex()
	shared := &storev1.Record{Removed: true, Outbox: owed}
	r.keepTrace(ctx, shared, nil)
	raw, err := proto.Marshal(shared)
	if err != nil {
		return nil, fmt.Errorf("store: encode: %w", err)
	}
	msgs = append(msgs, r.createMsg(key, raw))
	ack, err := jsbatch.Publish(ctx, r.js, msgs)
	if err != nil {
		// Refused (an id exists or was erased) or unanswered (perhaps
		// stored: then each Create below says AlreadyExists, and the
		// relay publishes the shared outbox).
		r.log.Debug("store: batch refused, creating one by one", "items", len(chunk), "err", err)
		for _, i := range chunk {
			if out[i] != nil {
				continue
			}
			it := items[i]
			if _, err := r.Create(ctx, it.ID, it.V, it.Events...); err != nil {
				if apperr.ErrorCode(err) != apperr.AlreadyExists {
					return nil, err
				}
				out[i] = err
			}
		}
		return nil, nil
	}
	if h := r.cfg.Hooks; h != nil && h.AfterWrite != nil {
		if err := h.AfterWrite(key); err != nil {
			return nil, nil // a crash, as tests inject it: the relay publishes
		}
	}
	if r.cfg.Publisher == nil {
		return nil, nil
	}
	return func() {
		// As flush: the caller's context may end; the publish must not.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := r.publishOwed(pctx, owed); err != nil {
			r.log.Warn("store: batch outbox left for the relay", "key", key, "err", err)
			return
		}
		r.published.Add(ctx, int64(len(owed)), r.inBucket)
		if err := r.kv.Delete(pctx, key, jetstream.LastRevision(ack.Sequence)); err != nil &&
			!errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			r.log.Warn("store: batch outbox not cleared, the relay will", "key", key, "err", err)
		}
	}, nil
}

// publishOwed publishes a batch's events, many at a time when it can.
func (r *Repo[T]) publishOwed(ctx context.Context, evs []*eventsv1.Envelope) error {
	if bp, ok := r.cfg.Publisher.(BatchPublisher); ok {
		return bp.PublishBatch(ctx, evs)
	}
	for _, ev := range evs {
		if err := r.cfg.Publisher.Publish(ctx, ev); err != nil {
			return fmt.Errorf("publish %s: %w", ev.GetType(), err)
		}
	}
	return nil
}

// createMsg is a KV put of raw under key that only succeeds when the key
// never held anything (revision 0), as Create writes.
func (r *Repo[T]) createMsg(key string, raw []byte) *nats.Msg {
	m := &nats.Msg{Subject: "$KV." + r.cfg.Bucket + "." + key, Data: raw, Header: nats.Header{}}
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.Itoa(0))
	return m
}

// allowAtomic turns on atomic publish for the bucket's stream: a KV
// bucket is made without it, and another replica opening the bucket
// (CreateOrUpdateKeyValue) turns it off again, so every CreateBatch
// checks (one small request).
func (r *Repo[T]) allowAtomic(ctx context.Context) error {
	name := "KV_" + r.cfg.Bucket
	st, err := r.js.Stream(ctx, name)
	if err != nil {
		return fmt.Errorf("store: stream %s: %w", name, err)
	}
	cfg := st.CachedInfo().Config
	if cfg.AllowAtomicPublish {
		return nil
	}
	cfg.AllowAtomicPublish = true
	if _, err := r.js.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("store: allow atomic publish on %s: %w", name, err)
	}
	return nil
}

func randomHex() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
