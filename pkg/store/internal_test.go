package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

type facts = eventsv1.ParticipantFacts

func openFacts(t *testing.T, js jetstream.JetStream, mod func(*Config[*facts])) *Repo[*facts] {
	t.Helper()
	cfg := Config[*facts]{Bucket: "people", New: func() *facts { return &facts{} }}
	if mod != nil {
		mod(&cfg)
	}
	r, err := Open(testutil.Context(t), js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// TestLateApplyCannotRevive plays a writer's own apply arriving after the
// watch has delivered the record's purge: the erased record stays gone.
func TestLateApplyCannotRevive(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := openFacts(t, n.JS, nil)
	rev, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, "p1", true); err != nil {
		t.Fatal(err)
	}
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	data, _ := proto.Marshal(&facts{MunicipalityCode: "0180"})
	raw, _ := proto.Marshal(&storev1.Record{Data: data})
	r.apply(context.Background(), "p1", rev, jetstream.KeyValuePut, raw, false)
	if _, ok := r.Lookup("p1"); ok {
		t.Fatal("a late apply of an old revision revived an erased record")
	}
}

// TestSyncWaitsForOtherReplicas: replica a has written itself, yet Sync
// still waits until its watch has b's earlier writes.
func TestSyncWaitsForOtherReplicas(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	_, js2 := n.Connect(t)
	a := openFacts(t, n.JS, nil)
	b := openFacts(t, js2, nil)
	for i := range 100 {
		if _, err := b.Create(ctx, fmt.Sprintf("b%03d", i), &facts{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Create(ctx, "a1", &facts{}); err != nil {
		t.Fatal(err)
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := a.Len(); got != 101 {
		t.Fatalf("after Sync replica a has %d records, want 101", got)
	}
}

// TestOnChangeHearsOtherReplicasCreates: caches on every replica may hold
// a copy loaded from the bucket, so a record new to this replica's index
// still notifies.
func TestOnChangeHearsOtherReplicasCreates(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	_, js2 := n.Connect(t)
	a := openFacts(t, n.JS, nil)
	b := openFacts(t, js2, nil)
	heard := make(chan string, 10)
	a.OnChange(func(id string, _ *facts, _ bool) { heard <- id })
	if _, err := b.Create(ctx, "p1", &facts{}); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-heard:
		if id != "p1" {
			t.Fatalf("heard %q, want p1", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no change notification for another replica's create")
	}
}

// TestEraseOverPendingDelete erases a record whose delete is still waiting
// for its events (no publisher), and runs AfterPurge later.
func TestEraseOverPendingDelete(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	after := make(chan string, 1)
	var up atomic.Bool // the stream is "down" until the erasure
	r := openFacts(t, n.JS, func(c *Config[*facts]) {
		c.Publisher = publishFunc(func(context.Context, *eventsv1.Envelope) error {
			if !up.Load() {
				return errors.New("stream down")
			}
			return nil
		})
		c.RelayInterval = 10 * time.Millisecond
		c.AfterPurgeDelay = time.Millisecond
		c.AfterPurge = func(_ context.Context, id string) error { after <- id; return nil }
	})
	if _, err := r.Create(ctx, "p1", &facts{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, "p1", false); err != nil {
		t.Fatal(err)
	}
	// The stream was down, so the tombstone stays, owing its events.
	up.Store(true)
	if err := r.EraseRemoved(ctx, "p1"); err != nil {
		t.Fatalf("erase over a pending delete: %v", err)
	}
	if _, err := r.kv.Get(ctx, "p1"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("key after erase: %v, want not found", err)
	}
	select {
	case id := <-after:
		if id != "p1" {
			t.Fatalf("AfterPurge(%q), want p1", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("AfterPurge never ran")
	}
}

type publishFunc func(context.Context, *eventsv1.Envelope) error

func (f publishFunc) Publish(ctx context.Context, env *eventsv1.Envelope) error { return f(ctx, env) }

// TestConfirmedCreatesKeepTheirRequestKeys: once a create's events are
// out, it owes nothing, but the index keeps its request key for the
// record's life (ADR 0146), and no reservation is written: a retry is
// answered from the record, with no write.
func TestConfirmedCreatesKeepTheirRequestKeys(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := openFacts(t, n.JS, func(c *Config[*facts]) {
		c.Publisher = publishFunc(func(context.Context, *eventsv1.Envelope) error { return nil })
		c.MarkInterval = time.Hour // no mark moves the bucket during the retry
	})
	for k := range 5 {
		build := func(id string) (*facts, []*eventsv1.Envelope, error) {
			return &facts{MunicipalityCode: "0180"}, []*eventsv1.Envelope{{Id: ids.UUIDv7{}.New(), Type: "test.created", SubjectId: id}}, nil
		}
		if _, _, err := r.CreateOnce(ctx, fmt.Sprintf("org/req-%d", k), ids.UUIDv7{}.New, build); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	r.mu.RLock()
	pending, requested, reserved := len(r.pending), len(r.requested), len(r.reserved)
	r.mu.RUnlock()
	if pending != 0 || requested != 5 || reserved != 0 {
		t.Fatalf("after 5 confirmed creates: %d pending, %d request keys, %d reserved; want 0, 5, 0", pending, requested, reserved)
	}
	if st, err := r.requests.Status(ctx); err != nil || st.Values() != 0 {
		t.Fatalf("requests bucket: %v values (%v), want none", st, err)
	}
	r.mu.RLock()
	before := r.watched
	r.mu.RUnlock()
	v, _, err := r.CreateOnce(ctx, "org/req-3", func() string { return "unused" }, func(id string) (*facts, []*eventsv1.Envelope, error) {
		return &facts{ParticipantId: id}, nil, nil
	})
	if err != nil || v.GetMunicipalityCode() != "0180" {
		t.Fatalf("retry: %v, %v; want the stored record", v, err)
	}
	st, err := r.kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if last := st.(*jetstream.KeyValueBucketStatus).StreamInfo().State.LastSeq; last != before {
		t.Fatalf("the bucket moved from %d to %d during a retry, want no write", before, last)
	}
}

// TestWatchIndexesOwnCreateFromItsWriter: when the watch brings this
// replica's own create before its writer has applied it, the index takes
// the record from what the writer sealed (here told apart on purpose: a
// different plain encoding) instead of decoding the entry; an entry with
// other bytes under the same key is decoded as ever.
func TestWatchIndexesOwnCreateFromItsWriter(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	r := openFacts(t, n.JS, nil)
	stored, _ := proto.Marshal(&facts{MunicipalityCode: "0180"})
	sealed, _ := proto.Marshal(&facts{MunicipalityCode: "1480"})
	rec := &storev1.Record{Data: stored}
	raw, _ := proto.Marshal(rec)
	ctx := context.Background()

	r.ownWrite("p1", ownWrite{raw: raw, rec: rec, plain: sealed})
	r.apply(ctx, "p1", 1000, jetstream.KeyValuePut, raw, true)
	r.ownWritten("p1", raw)
	if f, ok := r.Lookup("p1"); !ok || f.GetMunicipalityCode() != "1480" {
		t.Fatalf("own create indexed as %v (found %v), want the writer's 1480", f, ok)
	}

	other, _ := proto.Marshal(&storev1.Record{Data: stored, Subject: "x"})
	r.ownWrite("p2", ownWrite{raw: raw, rec: rec, plain: sealed})
	r.apply(ctx, "p2", 1001, jetstream.KeyValuePut, other, true)
	if f, ok := r.Lookup("p2"); !ok || f.GetMunicipalityCode() != "0180" {
		t.Fatalf("another entry indexed as %v (found %v), want the stored 0180", f, ok)
	}
	r.ownWritten("p2", raw)
	r.mu.RLock()
	left := len(r.own)
	r.mu.RUnlock()
	if left != 0 {
		t.Fatalf("%d creates still noted after their writers finished", left)
	}
}
