package events_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestJetStreamLostAckTimesOut publishes to a subject something answers
// but never acknowledges (as when an ack is lost in a partition): the
// future fails with ErrAsyncPublishTimeout within the bound and gives its
// pending slot back, instead of holding it for the life of the process.
// With the library's default handle the future would wait forever.
func TestJetStreamLostAckTimesOut(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	nc, _ := n.Connect(t)
	// A plain subscriber: the publish has a responder, so no quick
	// "no responders" error, and no stream, so no ack ever comes.
	sub, err := nc.SubscribeSync("lost.>")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	js, err := events.JetStream(nc)
	if err != nil {
		t.Fatal(err)
	}
	fut, err := js.PublishAsync("lost.ack", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-fut.Ok():
		t.Fatal("acknowledged by nobody")
	case err := <-fut.Err():
		if !errors.Is(err, jetstream.ErrAsyncPublishTimeout) {
			t.Fatalf("err = %v, want ErrAsyncPublishTimeout", err)
		}
	case <-time.After(3 * events.AsyncAckTimeout):
		t.Fatalf("no answer after %v: the ack wait is unbounded", 3*events.AsyncAckTimeout)
	}
	if p := js.PublishAsyncPending(); p != 0 {
		t.Fatalf("%d publishes still pending after the timeout", p)
	}
}
