package sealtest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// OwnerConfig is the configuration of name's keyring as the services run
// it since the owners' buckets (ADR 0234): its own bucket, reading every
// other owner's. Tests change a field of it (SharedCreates, ReadOnly, a
// small cache) before Open.
func OwnerConfig(kek seal.KEK, name string) seal.Config {
	return seal.Config{KEKs: []seal.KEK{kek}, Owner: name, Others: seal.KeyOwners}
}

// Owner opens name's keyring with OwnerConfig; pass the same kek to every
// owner (and to a restarted one) over the same keys.
func Owner(t testing.TB, js jetstream.JetStream, kek seal.KEK, name string) *seal.Keyring {
	t.Helper()
	return Open(t, js, OwnerConfig(kek, name))
}

// Bucket is the key bucket named name (seal.DefaultBucket, or an
// OwnerBucket), which must exist.
func Bucket(t testing.TB, js jetstream.JetStream, name string) jetstream.KeyValue {
	t.Helper()
	kv, err := js.KeyValue(testutil.Context(t), name)
	if err != nil {
		t.Fatalf("key bucket %s: %v", name, err)
	}
	return kv
}

// StoredKey is subject's wrapped key as bucket stores it (what a backup
// holds, or what to look for on disk); the test fails when there is none.
func StoredKey(t testing.TB, js jetstream.JetStream, bucket, subject string) []byte {
	t.Helper()
	e, err := Bucket(t, js, bucket).Get(testutil.Context(t), subject)
	if err != nil {
		t.Fatalf("%s's key in %s: %v", subject, bucket, err)
	}
	return e.Value()
}

// KeyHolders lists the key buckets (the shared one, every owner's and
// notify's, those that exist) holding a key, not a marker, for subject.
func KeyHolders(t testing.TB, js jetstream.JetStream, subject string) []string {
	t.Helper()
	ctx := testutil.Context(t)
	var in []string
	for _, o := range append(slices.Clone(seal.KeyOwners), "notify", "") {
		b := seal.DefaultBucket
		if o != "" {
			b = seal.OwnerBucket(o)
		}
		kv, err := js.KeyValue(ctx, b)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kv.Get(ctx, subject); err == nil {
			in = append(in, b)
		}
	}
	return in
}

// Filled starts p's first fill (New on an empty pool) and waits until a
// stored key is ready, so that p's next New hands out a pooled id.
func Filled(t testing.TB, p *seal.Pool) {
	t.Helper()
	p.New()
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if p.Ready() == 0 {
			return errors.New("no pooled key ready yet")
		}
		return nil
	})
}
