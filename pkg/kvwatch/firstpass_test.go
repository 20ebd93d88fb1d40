package kvwatch_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/kvwatch"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// Keys, large enough that the server's flow control holds most of them
// back (it sends a push consumer 2 MB ahead of its client's flow-control
// replies) while the path to the watch is cut: deleted then, they are
// never delivered.
const (
	heldKeys  = 200
	heldValue = 64 << 10
)

// deletableBucket makes bucket as a KV bucket that allows deleting its
// messages (the key ring's is one, pkg/seal) and writes heldKeys keys.
func deletableBucket(t *testing.T, js jetstream.JetStream, bucket string) (jetstream.KeyValue, jetstream.Stream) {
	t.Helper()
	ctx := testutil.Context(t)
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "KV_" + bucket, Subjects: []string{"$KV." + bucket + ".>"},
		MaxMsgsPerSubject: 1, AllowRollup: true, AllowDirect: true, Discard: jetstream.DiscardNew,
		// In memory: a file's secure delete syncs the disk, and the
		// path to the watch is cut meanwhile (a cut longer than two 5-s
		// heartbeats makes nats.go's ordered consumer again).
		Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, bucket)
	if err != nil {
		t.Fatal(err)
	}
	value := []byte(strings.Repeat("v", heldValue))
	for i := range heldKeys {
		if _, err := js.PublishAsync(fmt.Sprintf("$KV.%s.k%04d", bucket, i), value); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	return kv, s
}

// initialValues reads w until its nil, for at most wait: the entries'
// revisions, or an error saying where it stopped.
func initialValues(w jetstream.KeyWatcher, first []uint64, wait time.Duration) ([]uint64, error) {
	revs := first
	deadline := time.After(wait)
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return revs, errors.New("the watch ended")
			}
			if e == nil {
				return revs, nil
			}
			revs = append(revs, e.Revision())
		case <-deadline:
			return revs, fmt.Errorf("no end of the initial values after %d entries (last %v) in %s",
				len(revs), revs[max(len(revs)-1, 0):], wait)
		}
	}
}

// TestFirstPassEndsWhenMessagesAreRemoved: messages securely deleted, or
// purged, after the watch began and before it delivered them, with no
// write after, still end the initial values (nats.go's own watcher waits
// for them for ever: ADR 0238's addendum), and what was delivered came in
// order, once.
func TestFirstPassEndsWhenMessagesAreRemoved(t *testing.T) {
	for _, tc := range []struct {
		name   string
		remove func(ctx context.Context, s jetstream.Stream) error
	}{
		{"secure delete", func(ctx context.Context, s jetstream.Stream) error {
			for seq := uint64(1); seq <= heldKeys; seq++ {
				if err := s.SecureDeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
					return err
				}
			}
			return nil
		}},
		{"purge", func(ctx context.Context, s jetstream.Stream) error { return s.Purge(ctx) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := testutil.MustNATS(t)
			ctx := testutil.Context(t)
			_, s := deletableBucket(t, n.JS, "held")
			// The watch's connection passes a proxy, cut once the
			// first entry came: the server sends what its flow
			// control lets it, and waits.
			p := testutil.MustProxy(t, n.Server.Addr().String(), nil)
			nc, err := nats.Connect("nats://" + p.Addr())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close)
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			kv, err := js.KeyValue(ctx, "held")
			if err != nil {
				t.Fatal(err)
			}
			w, err := kvwatch.WatchAll(ctx, kv, js)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = w.Stop() })
			first := <-w.Updates()
			if first == nil {
				t.Fatal("the initial values ended before the first")
			}
			p.Cut()
			err = tc.remove(ctx, s)
			p.Heal()
			if err != nil {
				t.Fatal(err)
			}
			revs, err := initialValues(w, []uint64{first.Revision()}, 30*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if len(revs) == heldKeys {
				t.Fatalf("%d of %d keys delivered: the race was not made", len(revs), heldKeys)
			}
			for i := 1; i < len(revs); i++ {
				if revs[i] <= revs[i-1] {
					t.Fatalf("revision %d after %d", revs[i], revs[i-1])
				}
			}
			// The watch goes on after its first pass.
			if _, err := kv.PutString(ctx, "after", "x"); err != nil {
				t.Fatal(err)
			}
			select {
			case e := <-w.Updates():
				if e == nil || e.Key() != "after" {
					t.Fatalf("after the initial values: %s; want the key written after", describe(e))
				}
			case <-ctx.Done():
				t.Fatal("nothing delivered after the initial values")
			}
		})
	}
}

// TestFirstPassOverRemovedBucket: a bucket whose every message was
// removed before the watch began ends its initial values at once, with
// nothing before the nil.
func TestFirstPassOverRemovedBucket(t *testing.T) {
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kv, s := deletableBucket(t, n.JS, "gone")
	if err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := kvwatch.WatchAll(ctx, kv, n.JS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop() })
	if e := <-w.Updates(); e != nil {
		t.Fatalf("first update %v over a bucket with nothing left; want the nil", e)
	}
}

// describe names an entry by its key and revision, not its value.
func describe(e jetstream.KeyValueEntry) string {
	if e == nil {
		return "nil"
	}
	return fmt.Sprintf("%s@%d", e.Key(), e.Revision())
}
