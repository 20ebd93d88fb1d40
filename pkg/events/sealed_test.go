package events_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

func mustKeyring(t testing.TB, n *testutil.NATS) *seal.Keyring {
	t.Helper()
	return sealtest.Keyring(t, n.JS)
}

// TestConsumerOpensSealedPayloads: the handler sees the facts; an event
// about an erased person is acknowledged unhandled; a consumer without the
// keyring dead-letters the event still sealed.
func TestConsumerOpensSealedPayloads(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	kr := mustKeyring(t, n)
	pub := events.NewPublisher(n.JS)
	live, gone := registered(t, "e-live", "p-live"), registered(t, "e-gone", "p-gone")
	for _, env := range []*eventsv1.Envelope{gone, live} {
		if err := seal.SealEnvelope(ctx, kr, env); err != nil {
			t.Fatal(err)
		}
	}
	if err := kr.Shred(ctx, "p-gone"); err != nil {
		t.Fatal(err)
	}
	for _, env := range []*eventsv1.Envelope{gone, live} {
		if err := pub.Publish(ctx, env); err != nil {
			t.Fatal(err)
		}
	}

	var mu sync.Mutex
	var seen []string
	h := func(_ context.Context, env *eventsv1.Envelope) error {
		var m eventsv1.ParticipantRegistered
		if err := env.GetPayload().UnmarshalTo(&m); err != nil {
			return err
		}
		mu.Lock()
		seen = append(seen, m.GetFacts().GetParticipantId())
		mu.Unlock()
		return nil
	}
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{Stream: events.StreamParticipants, Durable: "sealed"}, h,
		events.WithKeyring(kr))
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)
	settled(t, ctx, n.JS, "sealed", 2)
	mu.Lock()
	if len(seen) != 1 || seen[0] != "p-live" {
		t.Errorf("handled %v, want only p-live (p-gone was erased)", seen)
	}
	mu.Unlock()

	// Without the keyring the handler gets the envelope as it is; one that
	// needs the payload fails, and the dead letter keeps it sealed.
	var calls atomic.Int32
	c2, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "nokey", Backoff: fastBackoff,
		FilterSubjects: []string{events.ParticipantRegistered + ".p-live"},
	}, func(_ context.Context, env *eventsv1.Envelope) error {
		calls.Add(1)
		if env.GetPayload() == nil && len(env.GetSealedPayload()) > 0 {
			return events.Permanent(errors.New("sealed"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, c2)
	dl := deadLetter(t, ctx, n.JS, events.DeadLetterPrefix+"nokey")
	var env eventsv1.Envelope
	if err := proto.Unmarshal(dl.Data, &env); err != nil {
		t.Fatal(err)
	}
	if len(env.GetSealedPayload()) == 0 || env.GetPayload() != nil {
		t.Errorf("dead letter = %v, want the sealed form", &env)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want once", n)
	}
}
