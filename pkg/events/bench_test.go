package events_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

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

// BenchmarkDeadLetterList measures one page of List over 10,000 dead
// letters (it reads every header, for the total), beside its floor
// measured in the same run: a bare headers-only read of the same stream,
// which List cannot beat. The pair is reported as list-ms and floor-ms.
func BenchmarkDeadLetterList(b *testing.B) {
	n, ctx := mustStream(b)
	const total = 10000
	if _, err := n.JS.CreateStream(ctx, jetstream.StreamConfig{Name: events.StreamDeadLetter, Subjects: []string{events.DeadLetterSubjects}}); err != nil {
		b.Fatal(err)
	}
	for i := range total {
		h := nats.Header{}
		h.Set(events.HeaderConsumer, "c"+strconv.Itoa(i%7))
		h.Set(events.HeaderOriginalStream, events.StreamParticipants)
		h.Set(events.HeaderOriginalSubject, events.ParticipantRegistered+".p")
		h.Set(events.HeaderOriginalSequence, strconv.Itoa(i+1))
		h.Set(events.HeaderDelivered, "5")
		h.Set(events.HeaderError, "max_deliver: unavailable")
		if _, err := n.JS.PublishMsgAsync(&nats.Msg{Subject: "deadletter.c" + strconv.Itoa(i%7), Data: make([]byte, 300), Header: h}); err != nil {
			b.Fatal(err)
		}
		if i%1000 == 999 {
			<-n.JS.PublishAsyncComplete()
		}
	}
	d := events.NewDeadLetters(n.JS)
	floor := func() time.Duration {
		start := time.Now()
		cons, err := n.JS.OrderedConsumer(ctx, events.StreamDeadLetter, jetstream.OrderedConsumerConfig{HeadersOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		for got := 0; got < total; {
			batch, err := cons.Fetch(1000)
			if err != nil {
				b.Fatal(err)
			}
			for range batch.Messages() {
				got++
			}
		}
		return time.Since(start)
	}
	var listT, floorT time.Duration
	for b.Loop() {
		start := time.Now()
		page, err := d.List(ctx, events.DeadLetterFilter{Consumer: "c3"}, 50, "")
		if err != nil || page.Total != total/7+1 || len(page.Items) != 50 {
			b.Fatalf("list: %d of %d, %v", len(page.Items), page.Total, err)
		}
		listT += time.Since(start)
		floorT += floor()
	}
	b.ReportMetric(float64(listT.Microseconds())/1000/float64(b.N), "list-ms")
	b.ReportMetric(float64(floorT.Microseconds())/1000/float64(b.N), "floor-ms")
}
