package seal_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestSharedCreates (MP_KEY_BUCKETS=shared, ADR 0238): an owner's keyring
// creates new keys (a person's, an index key, a pooled one) in the shared
// bucket of before, where an older replica without an owner reads them,
// and reads the keys an owner made in its own bucket; its shred leaves the
// marker an older replica sees.
func TestSharedCreates(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	own := sealtest.Owner(t, n.JS, kek, "participants")
	ownSealed, err := own.Seal(ctx, "p-own", []byte("Amina"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := sealtest.OwnerConfig(kek, "participants")
	cfg.SharedCreates, cfg.CacheSize = true, 1
	shared := sealtest.Open(t, n.JS, cfg)
	older := sealtest.Keyring(t, n.JS, kek) // a replica of a release before owners
	sealed, err := shared.Seal(ctx, "p-new", []byte("Bashir"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := sealtest.KeyHolders(t, n.JS, "p-new"); len(got) != 1 || got[0] != seal.DefaultBucket {
		t.Errorf("a shared-mode create is stored in %v, want only %s", got, seal.DefaultBucket)
	}
	if _, err := shared.IndexKey(ctx, "participants"); err != nil {
		t.Fatal(err)
	}
	if got := sealtest.KeyHolders(t, n.JS, "index-key-participants"); len(got) != 1 || got[0] != seal.DefaultBucket {
		t.Errorf("a shared-mode index key is stored in %v, want only %s", got, seal.DefaultBucket)
	}
	if got, err := older.Open(ctx, "p-new", sealed, nil); err != nil || string(got) != "Bashir" {
		t.Errorf("an older replica reading a shared-mode key: %q %v", got, err)
	}
	for range 2 { // the second a miss again (CacheSize 1, p-new read between)
		if got, err := shared.Open(ctx, "p-own", ownSealed, nil); err != nil || string(got) != "Amina" {
			t.Errorf("shared mode reading an owner bucket's key: %q %v", got, err)
		}
		if _, err := shared.Open(ctx, "p-new", sealed, nil); err != nil {
			t.Error(err)
		}
	}
	if err := shared.Shred(ctx, "p-new"); err != nil {
		t.Fatal(err)
	}
	if len(sealtest.KeyHolders(t, n.JS, "p-new")) != 0 {
		t.Error("a shredded shared-mode key is still stored")
	}
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if _, err := older.Open(ctx, "p-new", sealed, nil); !seal.IsShredded(err) {
			return errors.New("the older replica still opens p-new")
		}
		return nil
	})
}

// TestSealExisting: a keyring sealing for another's person (a seating for
// a participant) creates no key: an unknown person is ErrShredded with
// nothing stored anywhere, a known one seals with the owner's key, and
// the owner's erasure makes the next such seal ErrShredded.
func TestSealExisting(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	p := sealtest.Owner(t, n.JS, kek, "participants")
	d := sealtest.Owner(t, n.JS, kek, "dinners")
	if _, err := d.SealExisting(ctx, "p-unknown", []byte("seating"), nil); !seal.IsShredded(err) {
		t.Errorf("seal for an unknown person: %v, want shredded", err)
	}
	if got := sealtest.KeyHolders(t, n.JS, "p-unknown"); len(got) != 0 {
		t.Errorf("seal for an unknown person stored a key in %v", got)
	}
	if err := p.Prepare(ctx, "p-5"); err != nil {
		t.Fatal(err)
	}
	sealed, err := d.SealExisting(ctx, "p-5", []byte("seating"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Open(ctx, "p-5", sealed, nil); err != nil || string(got) != "seating" {
		t.Errorf("participants opening dinners' seal: %q %v", got, err)
	}
	if got := sealtest.KeyHolders(t, n.JS, "p-5"); len(got) != 1 || got[0] != seal.OwnerBucket("participants") {
		t.Errorf("p-5's key is in %v, want participants' bucket alone", got)
	}
	if err := p.Shred(ctx, "p-5"); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if _, err := d.SealExisting(ctx, "p-5", []byte("seating"), nil); !seal.IsShredded(err) {
			return errors.New("dinners still seals for the erased p-5")
		}
		return nil
	})
}

// TestReadOnlyKeyring: notify's keyring owns no bucket: it reads an
// owner's key and seals with it, and refuses to create or shred a key;
// no bucket of its own is made.
func TestReadOnlyKeyring(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	p := sealtest.Owner(t, n.JS, kek, "participants")
	if err := p.Prepare(ctx, "p-6"); err != nil {
		t.Fatal(err)
	}
	cfg := sealtest.OwnerConfig(kek, "notify")
	cfg.ReadOnly = true
	notify := sealtest.Open(t, n.JS, cfg)
	sealed, err := notify.SealExisting(ctx, "p-6", []byte("message"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Open(ctx, "p-6", sealed, nil); err != nil || string(got) != "message" {
		t.Errorf("participants opening notify's seal: %q %v", got, err)
	}
	if _, err := notify.Seal(ctx, "p-7", nil, nil); !errors.Is(err, seal.ErrNoOwnKeys) {
		t.Errorf("notify creating a key: %v", err)
	}
	if _, err := notify.IndexKey(ctx, "notify"); !errors.Is(err, seal.ErrNoOwnKeys) {
		t.Errorf("notify creating an index key: %v", err)
	}
	if err := notify.Shred(ctx, "p-6"); !errors.Is(err, seal.ErrNoOwnKeys) {
		t.Errorf("notify shredding: %v", err)
	}
	if _, err := notify.Open(ctx, "p-6", sealed, nil); err != nil {
		t.Errorf("p-6 after notify's refused shred: %v", err)
	}
	if _, err := n.JS.Stream(ctx, "KV_"+seal.OwnerBucket("notify")); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("notify's bucket: %v, want none", err)
	}
}

// TestSharedCreatesPool: a shared-mode pool stores its keys in the shared
// bucket, where an older replica finds them.
func TestSharedCreatesPool(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	kek := sealtest.KEK(t)
	cfg := sealtest.OwnerConfig(kek, "volunteers")
	cfg.SharedCreates = true
	shared := sealtest.Open(t, n.JS, cfg)
	pool := shared.NewPool(ids.UUIDv7{}.New, seal.PoolOptions{MinRate: 1, MaxAge: time.Minute})
	t.Cleanup(pool.Close)
	sealtest.Filled(t, pool)
	id := pool.New()
	if got := sealtest.KeyHolders(t, n.JS, id); len(got) != 1 || got[0] != seal.DefaultBucket {
		t.Errorf("a shared-mode pooled key is stored in %v, want only %s", got, seal.DefaultBucket)
	}
}
