package kvwatch_test

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/kvwatch"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestWatchMadeAgainWhenNATSComesBack: after NATS restarts, the watch is
// made again on the reconnect (nats.go's own would wait for two missed
// heartbeats, 10-20 s), resuming after the last entry it handed on: what
// is written after the restart arrives once, and nothing from before it is
// handed on twice.
func TestWatchMadeAgainWhenNATSComesBack(t *testing.T) {
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kv, err := n.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "kvwatch", Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		if _, err := kv.PutString(ctx, k, "before"); err != nil {
			t.Fatal(err)
		}
	}
	w, err := kvwatch.WatchAll(ctx, kv, n.JS)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop() })
	var got []string
	markers := 0
	take := func() {
		for {
			select {
			case e, ok := <-w.Updates():
				if !ok {
					t.Fatal("the watch ended")
				}
				if e == nil {
					markers++
					continue
				}
				got = append(got, fmt.Sprintf("%s=%s@%d", e.Key(), e.Value(), e.Revision()))
			default:
				return
			}
		}
	}
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		take()
		if markers != 1 || len(got) != 2 {
			return fmt.Errorf("initial values %v, %d markers; want a and b, then one marker", got, markers)
		}
		return nil
	})

	port := n.Server.Addr().(*net.TCPAddr).Port
	n.Server.Shutdown()
	n.Server.WaitForShutdown()
	s, err := natsembed.Start(natsembed.Options{StoreDir: n.Dir, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	n.Server = s // stopped by MustNATS's cleanup
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		if !n.Conn.IsConnected() {
			return errors.New("not reconnected yet")
		}
		_, err := kv.PutString(ctx, "c", "after")
		return err
	})
	testutil.CheckFor(t, 30*time.Second, 10*time.Millisecond, func() error {
		take()
		if len(got) < 3 {
			return fmt.Errorf("entries %v; want c written after the restart", got)
		}
		return nil
	})
	take()
	want := []string{"a=before@1", "b=before@2", "c=after@3"}
	if fmt.Sprint(got) != fmt.Sprint(want) || markers != 1 {
		t.Errorf("entries %v with %d markers; want %v and one marker", got, markers, want)
	}
	if w.Remade() != 1 {
		t.Errorf("watch made again %d times after one restart; want 1 (on the reconnect)", w.Remade())
	}
}

// TestStopEndsUpdates: Stop closes the updates and returns, as nats.go's
// watcher's does, so the index goroutines reading it end.
func TestStopEndsUpdates(t *testing.T) {
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kv, err := n.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "kvwatch"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := kvwatch.WatchAll(ctx, kv, n.JS)
	if err != nil {
		t.Fatal(err)
	}
	if e := <-w.Updates(); e != nil {
		t.Fatalf("first update %v on an empty bucket; want the end-of-initial-values nil", e)
	}
	if err := w.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-w.Updates(); ok {
		t.Error("updates still open after Stop")
	}
}
