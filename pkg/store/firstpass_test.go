package store

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/kvwatch/kvwatchtest"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestOpenAndSyncWhileBucketIsPurged: the records bucket is purged after
// a replica's index watch began and before it delivered the records, and
// nobody writes after: Open still returns, and Sync then returns at once
// rather than waiting for the stream's last sequence, a message no longer
// there, until its bound (ADR 0243). Large records, so the server's flow
// control holds most of them back while the watch's first delivery is
// held on its way.
func TestOpenAndSyncWhileBucketIsPurged(t *testing.T) {
	const records, size = 60, 64 << 10 // 3.8 MB, twice the flow control's window
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	openFacts(t, n.JS, nil).Close() // makes the buckets
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	data, err := proto.Marshal(&facts{MunicipalityCode: strings.Repeat("0", size)})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := proto.Marshal(&storev1.Record{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	for i := range records {
		if _, err := kv.Put(ctx, fmt.Sprintf("p%03d", i), raw); err != nil {
			t.Fatal(err)
		}
	}

	hold := kvwatchtest.NewHold("people")
	p := testutil.MustProxy(t, n.Server.Addr().String(), hold.Down)
	nc, err := nats.Connect("nats://" + p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan error, 1)
	var r *Repo[*facts]
	go func() {
		var err error
		r, err = Open(ctx, js, Config[*facts]{Bucket: "people", New: func() *facts { return &facts{} }})
		opened <- err
	}()
	select {
	case <-hold.Held():
	case err := <-opened:
		t.Fatalf("Open returned (%v) before its watch delivered anything", err)
	}
	stream, err := n.JS.Stream(ctx, "KV_people")
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	hold.Release()
	select {
	case err := <-opened:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Open did not return in 30 s after the bucket was purged")
	}
	t.Cleanup(r.Close)
	if got := r.Len(); got >= records {
		t.Fatalf("the index has %d records of %d: the purge came after every delivery", got, records)
	}
	// Sync waits for the bucket's last stored message; its bound (10 s)
	// would answer Unavailable.
	if err := r.Sync(ctx); err != nil {
		t.Fatalf("Sync after the purge: %v", err)
	}
}
