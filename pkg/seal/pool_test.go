package seal_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestPoolKeysStoredBeforeUse checks what makes the pool safe across a
// crash: an id the pool hands out already has its key in the store, and
// a second keyring (another process) opens what the first sealed with it.
func TestPoolKeysStoredBeforeUse(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	k := sealtest.Keyring(t, n.JS, kek)
	p := k.NewPool(ids.UUIDv7{}.New, seal.PoolOptions{MinRate: 1, MaxAge: time.Hour})
	t.Cleanup(p.Close)
	sealtest.Filled(t, p)
	id := p.New()
	kv := sealtest.Bucket(t, n.JS, seal.DefaultBucket)
	if _, err := kv.Get(ctx, id); err != nil {
		t.Fatalf("key of a pooled id before any Seal: %v", err)
	}
	sealed, err := k.Seal(ctx, id, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	other := sealtest.Keyring(t, n.JS, kek)
	if got, err := other.Open(ctx, id, sealed, nil); err != nil || string(got) != "x" {
		t.Fatalf("another keyring opens %q, %v", got, err)
	}
}

// TestPoolDropsStaleIDs lets pooled ids grow older than MaxAge: they are
// not handed out (ids stay ordered by time of use) and their keys go.
func TestPoolDropsStaleIDs(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	k := sealtest.Keyring(t, n.JS, sealtest.KEK(t))
	var mu sync.Mutex
	var made []string
	src := func() string {
		id := ids.UUIDv7{}.New()
		mu.Lock()
		made = append(made, id)
		mu.Unlock()
		return id
	}
	p := k.NewPool(src, seal.PoolOptions{MinRate: 1, MaxAge: time.Millisecond})
	t.Cleanup(p.Close)
	sealtest.Filled(t, p)
	kv := sealtest.Bucket(t, n.JS, seal.DefaultBucket)
	// The ids the pool holds: the ones with a stored key.
	mu.Lock()
	all := slices.Clone(made)
	mu.Unlock()
	var pooled []string
	for _, id := range all {
		if _, err := kv.Get(ctx, id); err == nil {
			pooled = append(pooled, id)
		}
	}
	if len(pooled) == 0 {
		t.Fatal("no pooled key in the store")
	}
	first := p.New() // every ready id is older than 1ms by now
	if slices.Contains(pooled, first) {
		t.Fatalf("a stale pooled id was handed out")
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		p.New() // drives the deletion of stale keys
		for _, id := range pooled {
			if _, err := kv.Get(ctx, id); !errors.Is(err, jetstream.ErrKeyDeleted) && !errors.Is(err, jetstream.ErrKeyNotFound) {
				return fmt.Errorf("stale key %s: %v, want deleted", id, err)
			}
		}
		return nil
	})
}

// TestPoolFillsInAtomicBatches drives the pool to a fill of dozens of keys
// and watches the key subjects: a large fill goes as one atomic batch
// (one fsync for all its keys, docs/adr/0140), every key of it stored
// and opened by another keyring; and with atomic publish turned off on the
// stream, fills still store their keys one by one.
func TestPoolFillsInAtomicBatches(t *testing.T) {
	t.Parallel()
	for _, atomic := range []bool{true, false} {
		t.Run(fmt.Sprintf("atomic=%v", atomic), func(t *testing.T) {
			t.Parallel()
			n, ctx, kek := sealtest.Start(t)
			k := sealtest.Keyring(t, n.JS, kek)
			if !atomic {
				st, err := n.JS.Stream(ctx, "KV_"+seal.DefaultBucket)
				if err != nil {
					t.Fatal(err)
				}
				cfg := st.CachedInfo().Config
				cfg.AllowAtomicPublish = false
				if _, err := n.JS.UpdateStream(ctx, cfg); err != nil {
					t.Fatal(err)
				}
			}
			batches := map[string]int{} // batch id -> keys published in it
			var mu sync.Mutex
			sub, err := n.Conn.Subscribe("$KV."+seal.DefaultBucket+".>", func(m *nats.Msg) {
				mu.Lock()
				batches[m.Header.Get("Nats-Batch-Id")]++
				mu.Unlock()
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sub.Unsubscribe() })
			p := k.NewPool(ids.UUIDv7{}.New, seal.PoolOptions{MinRate: 1, MaxAge: time.Hour})
			t.Cleanup(p.Close)
			for range 400 { // a rate of 400 a second: fills of up to 200
				p.New()
			}
			testutil.CheckFor(t, 20*time.Second, 10*time.Millisecond, func() error {
				p.New()
				if p.Ready() < 64 {
					return fmt.Errorf("%d ready, want a fill of at least 64", p.Ready())
				}
				return nil
			})
			mu.Lock()
			batched := 0
			for id, c := range batches {
				if id != "" {
					batched += c
				}
			}
			mu.Unlock()
			if atomic && batched < 64 {
				t.Fatalf("%d keys went in atomic batches, want the large fills' 64 or more (batches: %v)", batched, batches)
			}
			if !atomic && batches[""] < 64 {
				t.Fatalf("%d keys published one by one, want every key of the fills (batches: %v)", batches[""], batches)
			}
			other := sealtest.Keyring(t, n.JS, kek)
			for range 64 {
				id := p.New()
				sealed, err := k.Seal(ctx, id, []byte("x"), nil)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := other.Open(ctx, id, sealed, nil); err != nil || string(got) != "x" {
					t.Fatalf("another keyring opens %q, %v: the pooled key was not stored", got, err)
				}
			}
		})
	}
}

// TestPoolDropsManyStaleKeysInOneBatch lets a large fill go stale (a rate
// that fell away): its keys are deleted as one atomic batch of delete
// markers, every one of them gone from the store.
func TestPoolDropsManyStaleKeysInOneBatch(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	k := sealtest.Keyring(t, n.JS, sealtest.KEK(t))
	var mu sync.Mutex
	stored := map[string]bool{}      // ids whose key was published
	deleted := map[string][]string{} // batch id -> ids deleted in it
	sub, err := n.Conn.Subscribe("$KV."+seal.DefaultBucket+".>", func(m *nats.Msg) {
		id := m.Subject[len("$KV."+seal.DefaultBucket+"."):]
		mu.Lock()
		defer mu.Unlock()
		if m.Header.Get("KV-Operation") == "DEL" {
			b := m.Header.Get("Nats-Batch-Id")
			deleted[b] = append(deleted[b], id)
			return
		}
		stored[id] = true
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	p := k.NewPool(ids.UUIDv7{}.New, seal.PoolOptions{MinRate: 1, MaxAge: 300 * time.Millisecond})
	t.Cleanup(p.Close)
	for range 400 {
		p.New()
	}
	testutil.CheckFor(t, 20*time.Second, 5*time.Millisecond, func() error {
		if p.Ready() < 64 {
			p.New()
			return fmt.Errorf("%d ready, want a fill of at least 64", p.Ready())
		}
		return nil
	})
	time.Sleep(400 * time.Millisecond) // every ready id is stale now
	var batch []string
	testutil.CheckFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		p.New() // drives the deletion
		mu.Lock()
		defer mu.Unlock()
		for b, ids := range deleted {
			if b != "" && len(ids) >= 64 {
				batch = ids
				return nil
			}
		}
		return fmt.Errorf("no batch of 64 or more deletions yet: %v", deleted)
	})
	kv := sealtest.Bucket(t, n.JS, seal.DefaultBucket)
	for _, id := range batch {
		mu.Lock()
		ok := stored[id]
		mu.Unlock()
		if !ok {
			t.Fatalf("deleted %s, which the pool never stored", id)
		}
	}
	// The subscription sees the batch on its way in; the store has it
	// once the commit is through.
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		for _, id := range batch {
			if _, err := kv.Get(ctx, id); !errors.Is(err, jetstream.ErrKeyDeleted) && !errors.Is(err, jetstream.ErrKeyNotFound) {
				return fmt.Errorf("stale key %s: %v, want deleted", id, err)
			}
		}
		return nil
	})
}
