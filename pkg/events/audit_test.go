package events_test

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/events"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestAuditStreamAppendOnly: the audit stream the gateway and notify both
// create keeps what was written. Deleting an entry and purging the stream
// are refused, a retried write with the same id is stored once, and the
// second creator (notify after the gateway, or the other way round) gets
// the same stream, not an error.
func TestAuditStreamAppendOnly(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := t.Context()
	s, err := n.JS.CreateOrUpdateStream(ctx, events.AuditStreamConfig(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.JS.CreateOrUpdateStream(ctx, events.AuditStreamConfig(1)); err != nil {
		t.Fatalf("second create: %v", err)
	}
	for range 2 {
		msg := &nats.Msg{Subject: "audit.read.participant", Data: []byte("entry"), Header: nats.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, "entry-1")
		if _, err := n.JS.PublishMsg(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.State.Msgs, uint64(1); got != want {
		t.Errorf("%d entries after a retried write, want %d", got, want)
	}
	if err := s.DeleteMsg(ctx, 1); err == nil {
		t.Error("deleting an audit entry was allowed")
	}
	if err := s.Purge(ctx); err == nil {
		t.Error("purging the audit stream was allowed")
	}
}
