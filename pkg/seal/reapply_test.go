package seal_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// longLog is how many erasures the log holds in TestReapplyAtStart.
const longLog = 1000

// TestReapplyAtStart: with 1,000 erasures in the log, each key already a
// purge marker, a start asks JetStream a handful of requests, not one or
// more per erasure (ADR 0243); a key restored from a backup among them is
// still erased again before Open returns, and counted alone.
func TestReapplyAtStart(t *testing.T) {
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kek := sealtest.KEK(t)
	var logs testutil.LogBuffer
	k := sealtest.Keyring(t, n.JS, kek)
	sealed, err := k.Seal(ctx, "p-restored", []byte("secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := n.JS.KeyValue(ctx, seal.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	backup, err := kv.Get(ctx, "p-restored")
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Shred(ctx, "p-restored"); err != nil {
		t.Fatal(err)
	}
	k.Close()
	// 999 more erasures as Shred leaves them: logged, and the key's
	// subject a purge marker alone.
	for i := range longLog - 1 {
		id := fmt.Sprintf("p-%04d", i)
		if _, err := n.JS.PublishAsync("erasure."+id, []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
			t.Fatal(err)
		}
		marker := &nats.Msg{Subject: "$KV." + seal.DefaultBucket + "." + id, Header: nats.Header{}}
		marker.Header.Set("KV-Operation", "PURGE")
		marker.Header.Set("Nats-Rollup", "sub")
		if _, err := n.JS.PublishMsgAsync(marker); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-n.JS.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	// The key bucket comes back from a backup taken before the erasure.
	if _, err := kv.Put(ctx, "p-restored", backup.Value()); err != nil {
		t.Fatal(err)
	}

	counter, _ := n.Connect(t)
	var requests atomic.Int64
	sub, err := counter.Subscribe("$JS.API.>", func(*nats.Msg) { requests.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := counter.Flush(); err != nil {
		t.Fatal(err)
	}
	k2 := sealtest.Open(t, n.JS, seal.Config{KEKs: []seal.KEK{kek}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err := n.Conn.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := counter.Flush(); err != nil {
		t.Fatal(err)
	}
	got := requests.Load()
	t.Logf("JetStream API requests of a start with %d erasures in the log: %d", longLog, got)
	if got > 20 {
		t.Errorf("a start with %d erasures in the log made %d JetStream API requests; want a handful", longLog, got)
	}
	if _, err := k2.Open(ctx, "p-restored", sealed, nil); !seal.IsShredded(err) {
		t.Fatalf("open after restore: err = %v, want ErrShredded (erasure log re-applied)", err)
	}
	hist, err := kv.History(ctx, "p-restored")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range hist {
		if e.Operation() == jetstream.KeyValuePut {
			t.Errorf("restored key revision %d still stored after start", e.Revision())
		}
	}
	if out := logs.String(); !strings.Contains(out, "count=1") {
		t.Errorf("the re-apply's log %q; want a count of 1 (the restored key alone)", out)
	}
}
