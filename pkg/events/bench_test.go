package events_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// BenchmarkPublish measures one synchronous publish: marshal, span, and the
// round trip until JetStream has stored the message and acked it.
func BenchmarkPublish(b *testing.B) {
	n, ctx := mustStream(b)
	p := events.NewPublisher(n.JS)
	env := registered(b, "bench", "p1")
	i := 0
	for b.Loop() {
		i++
		env.Id = "bench-" + strconv.Itoa(i)
		if err := p.Publish(ctx, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublishToHandled measures the latency from Publish to the handler
// having run, one event at a time: what a reader of another service's
// projection waits after a write.
func BenchmarkPublishToHandled(b *testing.B) {
	n, ctx := mustStream(b)
	handled := make(chan struct{})
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "bench",
	}, func(context.Context, *eventsv1.Envelope) error {
		handled <- struct{}{}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	run(b, c)
	p := events.NewPublisher(n.JS)
	env := registered(b, "bench", "p1")
	i := 0
	for b.Loop() {
		i++
		env.Id = "bench-" + strconv.Itoa(i)
		if err := p.Publish(ctx, env); err != nil {
			b.Fatal(err)
		}
		<-handled
	}
}
