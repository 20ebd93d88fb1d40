package seal_test

import (
	"crypto/rand"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// recordSize is a typical participant record: names, contact, languages,
// household, interests, consents and availability encode to about 1.6 kB.
const recordSize = 1600

func BenchmarkSeal(b *testing.B) {
	n := testutil.MustNATS(b)
	k := sealtest.Keyring(b, n.JS, sealtest.KEK(b))
	ctx := testutil.Context(b)
	plain := make([]byte, recordSize)
	_, _ = rand.Read(plain)
	aad := []byte("participants/p-1")
	if _, err := k.Seal(ctx, "p-1", plain, aad); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(recordSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Seal(ctx, "p-1", plain, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	n := testutil.MustNATS(b)
	k := sealtest.Keyring(b, n.JS, sealtest.KEK(b))
	ctx := testutil.Context(b)
	plain := make([]byte, recordSize)
	_, _ = rand.Read(plain)
	aad := []byte("participants/p-1")
	sealed, err := k.Seal(ctx, "p-1", plain, aad)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(recordSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(ctx, "p-1", sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}

// benchOwners are the key owners of ADR 0234's part 2.
var benchOwners = []string{"participants", "volunteers", "gateway", "mentoring", "dinners", "guides"}

// BenchmarkKeyStore measures getting a data key: from the cache, from the
// bucket (a cache of one entry, two people alternating: every get misses
// and costs a KV read and an unwrap), and creating one (erasure-log
// checks, KV create).
func BenchmarkKeyStore(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := testutil.Context(b)
	kek := sealtest.KEK(b)
	// The owners' buckets, as `stack ensure` makes them before the
	// services start: an owner's keyring waits for the others' (ADR 0244).
	if _, err := seal.EnsureKeyBuckets(ctx, n.JS, 1, benchOwners...); err != nil {
		b.Fatal(err)
	}
	empty := []byte{}
	b.Run("get_cached", func(b *testing.B) {
		k := sealtest.Keyring(b, n.JS, kek)
		s, err := k.Seal(ctx, "cached", empty, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.Open(ctx, "cached", s, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("get_uncached", func(b *testing.B) {
		k, err := seal.Open(ctx, n.JS, seal.Config{KEKs: []seal.KEK{kek}, CacheSize: 1})
		if err != nil {
			b.Fatal(err)
		}
		defer k.Close()
		var sealed [2][]byte
		for i := range sealed {
			if sealed[i], err = k.Seal(ctx, fmt.Sprintf("u-%d", i), empty, nil); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i ^= 1
			if _, err := k.Open(ctx, fmt.Sprintf("u-%d", i), sealed[i], nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	// An owner's keyring (ADR 0234, part 2): dinners reading a
	// participant's key from participants' bucket (its own bucket asked
	// first: two gets a miss), and a key of before from the shared bucket
	// (asked last: its own, five other owners', then the shared one).
	for _, tt := range []struct{ name, owner string }{{"get_uncached_owner_other", "participants"}, {"get_uncached_owner_before", ""}} {
		b.Run(tt.name, func(b *testing.B) {
			w, err := seal.Open(ctx, n.JS, seal.Config{KEKs: []seal.KEK{kek}, Owner: tt.owner, Others: benchOwners})
			if err != nil {
				b.Fatal(err)
			}
			defer w.Close()
			r, err := seal.Open(ctx, n.JS, seal.Config{KEKs: []seal.KEK{kek}, Owner: "dinners", Others: benchOwners, CacheSize: 1})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			var sealed [2][]byte
			for i := range sealed {
				if sealed[i], err = w.Seal(ctx, fmt.Sprintf("%s-%d", tt.name, i), empty, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i ^= 1
				if _, err := r.Open(ctx, fmt.Sprintf("%s-%d", tt.name, i), sealed[i], nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("create", func(b *testing.B) {
		k := sealtest.Keyring(b, n.JS, kek)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, err := k.Seal(ctx, fmt.Sprintf("new-%d", i), empty, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	// create_owner is "create" by an owner's keyring: its erasure log
	// space and that of before are both checked, twice.
	b.Run("create_owner", func(b *testing.B) {
		k, err := seal.Open(ctx, n.JS, seal.Config{KEKs: []seal.KEK{kek}, Owner: "participants", Others: benchOwners})
		if err != nil {
			b.Fatal(err)
		}
		defer k.Close()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			if _, err := k.Seal(ctx, fmt.Sprintf("new-owner-%d", i), empty, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	// create_pooled is the same first Seal of a new person with an id from
	// a seal.Pool (docs/adr/0034): the key was stored ahead, many at a
	// time, so the caller only finds it cached. Beside "create" above.
	b.Run("create_pooled", func(b *testing.B) {
		k := sealtest.Keyring(b, n.JS, kek)
		p := k.NewPool(ids.UUIDv7{}.New, seal.PoolOptions{MinRate: 1, MaxAge: time.Minute})
		defer p.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.Seal(ctx, p.New(), empty, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkKeysHeld measures what a person's data key costs the heap once
// cached: each op takes a pooled id and seals once for it (a create), and
// heap-B/key is the live heap grown per key, measured after a collection.
// Run it with many keys (-benchtime=20000x): the recent ciphers are
// bounded, the keys are not (ADR 0151).
func BenchmarkKeysHeld(b *testing.B) {
	n := testutil.MustNATS(b)
	ctx := testutil.Context(b)
	k := sealtest.Keyring(b, n.JS, sealtest.KEK(b))
	p := k.NewPool(ids.UUIDv7{}.New, seal.PoolOptions{MinRate: 1, MaxAge: time.Minute})
	defer p.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	keys := 0
	for b.Loop() {
		keys++
		if _, err := k.Seal(ctx, p.New(), nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(keys), "heap-B/key")
	runtime.KeepAlive(k)
}
