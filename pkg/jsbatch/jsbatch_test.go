package jsbatch_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jsbatch"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPublishAllOrNone stores a batch whole, then refuses one whose last
// message breaks its expected subject sequence: nothing of that batch is
// stored, and the refusal is an *Error naming the server's reason.
func TestPublishAllOrNone(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	if _, err := n.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "B", Subjects: []string{"b.>"}, AllowAtomicPublish: true}); err != nil {
		t.Fatal(err)
	}
	batch := func(prefix string, n int) []*nats.Msg {
		var msgs []*nats.Msg
		for i := range n {
			m := &nats.Msg{Subject: fmt.Sprintf("b.%s%d", prefix, i), Data: []byte("x"), Header: nats.Header{}}
			m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, "0") // a create
			msgs = append(msgs, m)
		}
		return msgs
	}
	ack, err := jsbatch.Publish(ctx, n.JS, batch("a", 50))
	if err != nil {
		t.Fatal(err)
	}
	if ack.Stream != "B" || ack.Sequence != 50 {
		t.Fatalf("commit ack %+v, want stream B at sequence 50", ack)
	}
	again := append(batch("c", 10), batch("a", 1)...) // b.a0 exists: the batch must fail whole
	_, err = jsbatch.Publish(ctx, n.JS, again)
	var refused *jsbatch.Error
	if !errors.As(err, &refused) {
		t.Fatalf("a batch with an existing key: %v, want a *jsbatch.Error", err)
	}
	st, err := n.JS.Stream(ctx, "B")
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 50 {
		t.Fatalf("stream holds %d messages after a refused batch, want the first batch's 50 only", info.State.Msgs)
	}
	if _, err := jsbatch.Publish(ctx, n.JS, nil); err == nil {
		t.Fatal("an empty batch was accepted")
	}
	if _, err := jsbatch.Publish(ctx, n.JS, batch("d", jsbatch.Max+1)); err == nil {
		t.Fatal("a batch over the server's limit was accepted")
	}
}
