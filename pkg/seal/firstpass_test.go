package seal_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/kvwatch/kvwatchtest"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestOpenWhileKeysAreDeleted: the key bucket's messages are securely
// deleted after the key ring's watch began and before it delivered them
// (owners claiming their keys out of the shared bucket, ADR 0238), and
// nobody writes the bucket after: Open still returns, without a bound of
// its own (ADR 0243), and the key ring works. Large values, so the
// server's flow control holds most of them back while the watch's first
// delivery is held on its way.
func TestOpenWhileKeysAreDeleted(t *testing.T) {
	const keys, size = 60, 64 << 10 // 3.8 MB, twice the flow control's window
	n, ctx, kek := sealtest.Start(t)
	sealtest.Keyring(t, n.JS, kek).Close() // makes the bucket
	value := []byte(strings.Repeat("k", size))
	for i := range keys {
		if _, err := n.JS.PublishAsync(fmt.Sprintf("$KV.%s.p-%03d", seal.DefaultBucket, i), value); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-n.JS.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal(ctx.Err())
	}
	stream, err := n.JS.Stream(ctx, "KV_"+seal.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	first := stream.CachedInfo().State.FirstSeq

	hold := kvwatchtest.NewHold(seal.DefaultBucket)
	p := testutil.MustProxy(t, n.Server.Addr().String(), hold.Down)
	js := p.ConnectNATS(t)
	opened := make(chan error, 1)
	var k *seal.Keyring
	go func() {
		var err error
		k, err = seal.Open(ctx, js, seal.Config{KEKs: []seal.KEK{kek}})
		opened <- err
	}()
	select {
	case <-hold.Held():
	case err := <-opened:
		t.Fatalf("Open returned (%v) before its watch delivered anything", err)
	}
	for seq := first; seq < first+keys; seq++ {
		if err := stream.SecureDeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
			t.Fatal(err)
		}
	}
	hold.Release()
	select {
	case err := <-opened:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Open did not return in 30 s after the keys were deleted")
	}
	t.Cleanup(k.Close)
	sealed, err := k.Seal(ctx, "p-new", []byte("secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.Open(ctx, "p-new", sealed, nil); err != nil || string(got) != "secret" {
		t.Fatalf("open after Open: %q, %v", got, err)
	}
}
