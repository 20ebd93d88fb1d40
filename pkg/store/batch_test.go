package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// batchStream is an event stream as services make it (atomic publish on).
func batchStream(t *testing.T, js jetstream.JetStream) jetstream.Stream {
	t.Helper()
	ctx := testutil.Context(t)
	if err := events.EnsureStream(ctx, js, events.StreamConfig{Name: "TESTB", Subjects: []string{"testb.>"}}); err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, "TESTB")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// items are n records with deterministic ids from first on, each with
// one creation event.
func items(t *testing.T, first, n int) []store.Item[*facts] {
	t.Helper()
	var out []store.Item[*facts]
	for i := first; i < first+n; i++ {
		id := fmt.Sprintf("b%05d", i)
		out = append(out, store.Item[*facts]{ID: id, V: &facts{ParticipantId: id, MunicipalityCode: "0180"},
			Events: []*eventsv1.Envelope{event(t, "testb.created", id)}})
	}
	return out
}

func msgs(t *testing.T, s jetstream.Stream) uint64 {
	t.Helper()
	info, err := s.Info(testutil.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// outboxKeys lists the batches' shared outbox entries still in the bucket.
func outboxKeys(t *testing.T, js jetstream.JetStream) ([]string, error) {
	t.Helper()
	kv, err := js.KeyValue(testutil.Context(t), "people")
	if err != nil {
		return nil, err
	}
	keys, err := kv.Keys(testutil.Context(t))
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, "outbox-") {
			out = append(out, k)
		}
	}
	return out, err
}

// TestRepo_CreateBatch writes more records than one atomic batch holds,
// then the same ones again with a few new: each record is created once,
// each event published once, no shared outbox entry is left, and the
// index has them all when CreateBatch returns.
func TestRepo_CreateBatch(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := batchStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Publisher = events.NewPublisher(n.JS) })

	first := items(t, 0, 2100)
	res, err := r.CreateBatch(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range res {
		if err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
	}
	if got := r.Len(); got != 2100 {
		t.Fatalf("index has %d records right after, want 2100", got)
	}
	if got := msgs(t, s); got != 2100 {
		t.Fatalf("stream has %d events, want 2100", got)
	}
	if keys, err := outboxKeys(t, n.JS); err != nil || len(keys) > 0 {
		t.Fatalf("shared outbox entries left: %v (%v)", keys, err)
	}
	// One message per record plus the shared outbox entry and its delete
	// per batch of 999; Create would write two per record.
	bucket, err := n.JS.Stream(ctx, "KV_people")
	if err != nil {
		t.Fatal(err)
	}
	if info, err := bucket.Info(ctx); err != nil || info.State.LastSeq != 2100+3*2 {
		t.Fatalf("bucket stored %v messages (%v), want %d", info.State.LastSeq, err, 2100+3*2)
	}
	got, _, err := r.Get(ctx, "b01234")
	if err != nil || got.GetParticipantId() != "b01234" {
		t.Fatalf("get=%v err=%v", got, err)
	}

	// A restarted job writes the same records again, and a few more.
	again := append(items(t, 2000, 100), items(t, 2100, 5)...)
	res, err = r.CreateBatch(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range res {
		want := apperr.AlreadyExists
		if i >= 100 {
			want = ""
		}
		if got := apperr.ErrorCode(err); got != want {
			t.Fatalf("item %d (%s): %v, want %v", i, again[i].ID, err, want)
		}
	}
	if got := msgs(t, s); got != 2105 {
		t.Fatalf("stream has %d events, want 2105", got)
	}
}

// TestRepo_CreateBatchErasedID erases one id, which the index then no
// longer knows: the batch holding it is refused as a whole, and the
// fallback creates the others one by one and never revives the erased.
func TestRepo_CreateBatchErasedID(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := batchStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Publisher = events.NewPublisher(n.JS) })
	if _, err := r.Create(ctx, "b00003", &facts{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, "b00003", true); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if _, ok := r.Lookup("b00003"); ok {
			return errors.New("index still has the erased record")
		}
		return nil
	})
	res, err := r.CreateBatch(ctx, items(t, 0, 10))
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range res {
		want := apperr.Code("")
		if i == 3 {
			want = apperr.AlreadyExists
		}
		if got := apperr.ErrorCode(err); got != want {
			t.Fatalf("item %d: %v, want %v", i, err, want)
		}
	}
	if _, _, err := r.Get(ctx, "b00003"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Fatalf("erased id readable again: %v", err)
	}
	if got := msgs(t, s); got != 9 {
		t.Fatalf("stream has %d events, want 9", got)
	}
}

// TestRepo_CreateBatchCrashBeforePublish stops a batch right after it is
// durable, as a killed process would, and restarts everything on the same
// files: every record is there and the relay publishes every event
// exactly once, then deletes the shared outbox entry.
func TestRepo_CreateBatchCrashBeforePublish(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	n := testutil.MustNATSDir(t, dir)
	ctx := testutil.Context(t)
	batchStream(t, n.JS)
	crash := errors.New("crash")
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = events.NewPublisher(n.JS)
		c.Hooks = &store.Hooks{AfterWrite: func(string) error { return crash }}
		c.RelayInterval = time.Hour // the dying process never relays
	})
	res, err := r.CreateBatch(ctx, items(t, 0, 50))
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(res...); err != nil {
		t.Fatal(err)
	}
	r.Close()
	n.Stop()

	n2 := testutil.MustNATSDir(t, dir)
	s := batchStream(t, n2.JS)
	if got := msgs(t, s); got != 0 {
		t.Fatalf("%d events published before the crash, want 0", got)
	}
	r2 := mustOpen(t, n2.JS, func(c *store.Config[*facts]) {
		c.Publisher = events.NewPublisher(n2.JS)
		c.RelayInterval = 20 * time.Millisecond
		c.RelayGrace = time.Millisecond
	})
	if got := r2.Len(); got != 50 {
		t.Fatalf("after restart the index has %d records, want 50", got)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if got := msgs(t, s); got != 50 {
			return fmt.Errorf("stream has %d events, want 50", got)
		}
		keys, err := outboxKeys(t, n2.JS)
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			return fmt.Errorf("shared outbox entries left: %v", keys)
		}
		return nil
	})
}
