package events_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

func TestIdempotentHandlesRepublishedEventOnce(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	var calls, effects atomic.Int32
	h, err := events.Idempotent(ctx, n.JS, "processed-idem", 0, 1, func(context.Context, *eventsv1.Envelope) error {
		if calls.Add(1) == 1 {
			return errors.New("transient")
		}
		effects.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "idem", Backoff: fastBackoff,
	}, h)
	if err != nil {
		t.Fatal(err)
	}

	env := registered(t, ids.UUIDv7{}.New(), ids.UUIDv7{}.New())
	if err := events.NewPublisher(n.JS).Publish(ctx, env); err != nil {
		t.Fatal(err)
	}
	// The same event again after the duplicate window: the stream sees a
	// new Nats-Msg-Id and stores a second message.
	data, err := proto.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	again := &nats.Msg{Subject: env.GetType(), Data: data}
	if _, err := n.JS.PublishMsg(ctx, again, jetstream.WithMsgID("republished-"+env.GetId())); err != nil {
		t.Fatal(err)
	}
	run(t, c)

	settled(t, ctx, n.JS, "idem", 2)
	if got, want := effects.Load(), int32(1); got != want {
		t.Errorf("effects = %d, want %d", got, want)
	}
	if got, want := calls.Load(), int32(2); got != want {
		t.Errorf("handler calls = %d, want %d (one failure, one success)", got, want)
	}
	kv, err := n.JS.KeyValue(ctx, "processed-idem")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, env.GetId()); err != nil {
		t.Errorf("processed id not recorded: %v", err)
	}
	status, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := status.TTL(), events.DefaultProcessedTTL; got != want {
		t.Errorf("bucket TTL = %v, want %v", got, want)
	}
}

func TestRunFinishesInFlightWorkAndReturnsNilOnCancel(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	started := make(chan struct{})
	release := make(chan struct{})
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "drain",
	}, func(ctx context.Context, _ *eventsv1.Envelope) error {
		close(started)
		<-release
		// The handler's context outlives Run's, so in-flight work can finish.
		return ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()

	if err := events.NewPublisher(n.JS).Publish(ctx, registered(t, ids.UUIDv7{}.New(), "p1")); err != nil {
		t.Fatal(err)
	}
	<-started
	cancel()
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	settled(t, ctx, n.JS, "drain", 1)
}

func TestConcurrencyKeepsOrderPerSubjectID(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	const subjects, perSubject = 4, 10
	var mu sync.Mutex
	seen := map[string][]int64{}
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "parallel", Concurrency: 4,
	}, func(_ context.Context, env *eventsv1.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		seen[env.GetSubjectId()] = append(seen[env.GetSubjectId()], env.GetOccurredAt().GetSeconds())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := events.NewPublisher(n.JS)
	for i := range perSubject {
		for s := range subjects {
			env, err := events.NewEnvelope(ids.UUIDv7{}.New(), events.ParticipantUpdated, fmt.Sprintf("p%d", s),
				time.Unix(int64(i), 0), &eventsv1.ParticipantUpdated{})
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Publish(ctx, env); err != nil {
				t.Fatal(err)
			}
		}
	}
	run(t, c)
	settled(t, ctx, n.JS, "parallel", subjects*perSubject)
	mu.Lock()
	defer mu.Unlock()
	for s, got := range seen {
		if len(got) != perSubject || !slices.IsSorted(got) {
			t.Errorf("subject %s handled in order %v, want %d in publish order", s, got, perSubject)
		}
	}
}

func TestNewConsumerRejectsBadConfig(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	ok := func(context.Context, *eventsv1.Envelope) error { return nil }
	tests := []struct {
		name string
		cfg  events.ConsumerConfig
		h    events.Handler
	}{
		{"no stream", events.ConsumerConfig{Durable: "d"}, ok},
		{"no durable", events.ConsumerConfig{Stream: events.StreamParticipants}, ok},
		{"dotted durable", events.ConsumerConfig{Stream: events.StreamParticipants, Durable: "a.b"}, ok},
		{"no handler", events.ConsumerConfig{Stream: events.StreamParticipants, Durable: "d"}, nil},
		{"missing stream", events.ConsumerConfig{Stream: "NOPE", Durable: "d"}, ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := events.NewConsumer(ctx, n.JS, tt.cfg, tt.h); err == nil {
				t.Error("NewConsumer = nil error, want one")
			}
		})
	}
}
