package seal_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

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
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kek := sealtest.KEK(t)
	k := sealtest.Keyring(t, n.JS, kek)
	p := k.NewPool(ids.UUIDv7{}.New, seal.PoolOptions{MinRate: 1, MaxAge: time.Hour})
	t.Cleanup(p.Close)
	p.New() // starts the first fill
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if p.Ready() == 0 {
			return errors.New("nothing ready yet")
		}
		return nil
	})
	id := p.New()
	kv, err := n.JS.KeyValue(ctx, seal.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
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
	p.New()
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if p.Ready() == 0 {
			return errors.New("nothing ready yet")
		}
		return nil
	})
	kv, err := n.JS.KeyValue(ctx, seal.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
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
