package store

import (
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestLeaderGetReadsAsKVGet: a read from the stream leader answers as
// kv.Get does: the last value and its revision, ErrKeyNotFound for a key
// never written, ErrKeyDeleted for a delete or purge marker, in either
// bucket of a repository.
func TestLeaderGetReadsAsKVGet(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := openFacts(t, n.JS, nil)
	for _, kv := range []jetstream.KeyValue{r.kv, r.requests} {
		bucket := kv.Bucket()
		if _, err := kv.Put(ctx, "a", []byte("1")); err != nil {
			t.Fatal(err)
		}
		rev, err := kv.Put(ctx, "a", []byte("2"))
		if err != nil {
			t.Fatal(err)
		}
		if got, gotRev, err := r.leaderGet(ctx, bucket, "a"); err != nil || string(got) != "2" || gotRev != rev {
			t.Errorf("%s: leaderGet(a) = %q at %d, %v; want \"2\" at %d", bucket, got, gotRev, err, rev)
		}
		if _, _, err := r.leaderGet(ctx, bucket, "never"); !errors.Is(err, jetstream.ErrKeyNotFound) {
			t.Errorf("%s: leaderGet(never) = %v, want ErrKeyNotFound", bucket, err)
		}
		for key, remove := range map[string]func(string) error{
			"deleted": func(k string) error { return kv.Delete(ctx, k) },
			"purged":  func(k string) error { return kv.Purge(ctx, k) },
		} {
			if _, err := kv.Put(ctx, key, []byte("x")); err != nil {
				t.Fatal(err)
			}
			if err := remove(key); err != nil {
				t.Fatal(err)
			}
			if _, _, err := r.leaderGet(ctx, bucket, key); !errors.Is(err, jetstream.ErrKeyDeleted) {
				t.Errorf("%s: leaderGet(%s) = %v, want ErrKeyDeleted", bucket, key, err)
			}
		}
	}
}
