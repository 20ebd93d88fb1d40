package events

import (
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestListWaitsOutAnElection: on a three-node cluster about 2% of the
// dead-letter listings (`mp deadletters`, the gateway's dead-letter page)
// failed at their first read with "nats: no responders", as the audit
// search did (ADR 0240); the same listing again worked. A listing now runs
// again while JetStream answers so, for up to 3 s. The outage here is a
// real server's: JetStream turned off for the account (every API call a
// 503) and on again, the stream recovered from its store, once the
// listing has been refused; it then finds the dead letter, once.
func TestListWaitsOutAnElection(t *testing.T) {
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	if err := ensureDeadLetterStream(ctx, n.JS); err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg(DeadLetterPrefix + "mentoring-projection")
	msg.Header.Set(HeaderConsumer, "mentoring-projection")
	msg.Header.Set(HeaderOriginalStream, StreamParticipants)
	msg.Header.Set(HeaderError, "permanent: not_found")
	if _, err := n.JS.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	d := NewDeadLetters(n.JS)
	acc := n.Server.GlobalAccount()
	if err := acc.DisableJetStream(); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		page DeadLetterPage
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		page, err := d.List(ctx, DeadLetterFilter{}, 0, "")
		done <- answer{page, err}
	}()
	// Back once the listing was refused and waits to run again.
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		select {
		case a := <-done:
			done <- a
			return nil // answered without waiting: the check below says how
		default:
		}
		if d.retried.Load() == 0 {
			return fmt.Errorf("the listing has not been refused yet")
		}
		return nil
	})
	unlimited := map[string]server.JetStreamAccountLimits{"": {MaxMemory: -1, MaxStore: -1, MaxStreams: -1, MaxConsumers: -1}}
	if err := acc.EnableJetStream(unlimited, nil); err != nil {
		t.Fatal(err)
	}
	a := <-done
	if a.err != nil || a.page.Total != 1 || len(a.page.Items) != 1 {
		t.Fatalf("a listing while JetStream was back within 3 s: %d of %d dead letters, %v; want the one", len(a.page.Items), a.page.Total, a.err)
	}
	if got := a.page.Items[0].Consumer; got != "mentoring-projection" {
		t.Errorf("the dead letter's consumer is %q, want mentoring-projection", got)
	}
}
