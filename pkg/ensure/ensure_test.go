package ensure_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/ensure"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// updates counts the server's stream-updated advisories: each is one
// configuration rewrite, the thing a steady-state start must not do.
func updates(t *testing.T, nc *nats.Conn) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	sub, err := nc.Subscribe("$JS.EVENT.ADVISORY.STREAM.UPDATED.>", func(*nats.Msg) { n.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return &n
}

// settle waits until the advisories sent so far have arrived: a round trip
// through the server after the last request.
func settle(t *testing.T, nc *nats.Conn) {
	t.Helper()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
}

// TestEnsure_UpdatesOnlyAChange: a second start with the same configuration
// rewrites nothing; a changed one is applied with one update.
func TestEnsure_UpdatesOnlyAChange(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	nc, js := n.Connect(t)
	ctx := testutil.Context(t)
	got := updates(t, nc)

	cfg := jetstream.StreamConfig{Name: "S", Subjects: []string{"s.>"}, Storage: jetstream.FileStorage, MaxAge: time.Hour}
	kvc := jetstream.KeyValueConfig{Bucket: "kv", History: 1}
	osc := jetstream.ObjectStoreConfig{Bucket: "obj"}
	for range 3 {
		if _, err := ensure.Stream(ctx, js, cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := ensure.KeyValue(ctx, js, kvc); err != nil {
			t.Fatal(err)
		}
		if _, err := ensure.ObjectStore(ctx, js, osc); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, nc)
	if n := got.Load(); n != 0 {
		t.Fatalf("three starts with the same configuration: %d stream updates, want 0", n)
	}

	cfg.MaxAge, kvc.History, osc.Description = 2*time.Hour, 5, "results"
	s, err := ensure.Stream(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := ensure.KeyValue(ctx, js, kvc)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := ensure.ObjectStore(ctx, js, osc)
	if err != nil {
		t.Fatal(err)
	}
	settle(t, nc)
	if n := got.Load(); n != 3 {
		t.Errorf("one changed stream, bucket and store: %d updates, want 3", n)
	}
	if s.CachedInfo().Config.MaxAge != 2*time.Hour {
		t.Errorf("stream max age %v, want 2h", s.CachedInfo().Config.MaxAge)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.History() != 5 {
		t.Errorf("bucket history %d, want 5", st.History())
	}
	ost, err := obj.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ost.Description() != "results" {
		t.Errorf("object store description %q, want results", ost.Description())
	}
}
