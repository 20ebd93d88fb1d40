package events_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

func TestFailingHandlerIsDeadLetteredAfterMaxDeliver(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	var calls atomic.Int32
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "failing", MaxDeliver: 3, Backoff: fastBackoff,
	}, func(context.Context, *eventsv1.Envelope) error {
		calls.Add(1)
		return fmt.Errorf("save projection: %w", errors.New("store down"))
	}, events.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)

	env := registered(t, ids.UUIDv7{}.New(), ids.UUIDv7{}.New())
	if err := events.NewPublisher(n.JS).Publish(ctx, env); err != nil {
		t.Fatal(err)
	}
	dl := deadLetter(t, ctx, n.JS, "deadletter.failing")
	// Terminated, so neither pending nor awaiting redelivery.
	settled(t, ctx, n.JS, "failing", 1)
	if got, want := calls.Load(), int32(3); got != want {
		t.Errorf("handler called %d times, want %d", got, want)
	}
	wantHeaders := map[string]string{
		events.HeaderOriginalSubject:  events.ParticipantRegistered + "." + env.GetSubjectId(),
		events.HeaderOriginalStream:   events.StreamParticipants,
		events.HeaderOriginalSequence: "1",
		events.HeaderConsumer:         "failing",
		events.HeaderDelivered:        "3",
		events.HeaderError:            "max_deliver: *errors.errorString",
	}
	for k, want := range wantHeaders {
		if got := dl.Header.Get(k); got != want {
			t.Errorf("dead letter header %s = %q, want %q", k, got, want)
		}
	}
	var got eventsv1.Envelope
	if err := proto.Unmarshal(dl.Data, &got); err != nil {
		t.Fatalf("dead letter data: %v", err)
	}
	if diff := cmp.Diff(env, &got, protocmp.Transform()); diff != "" {
		t.Errorf("dead letter envelope (-want +got):\n%s", diff)
	}
	if got, want := handledCounts(t, reader), map[string]int64{"ack": 0, "retry": 2, "dead_letter": 1, "error": 0}; !cmp.Equal(got, want) {
		t.Errorf("events.handled = %v, want %v", got, want)
	}
}

func TestPermanentErrorIsDeadLetteredAtOnce(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	var calls atomic.Int32
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "permanent", Backoff: fastBackoff,
	}, func(context.Context, *eventsv1.Envelope) error {
		calls.Add(1)
		return events.Permanent(apperr.Errorf(apperr.FailedPrecondition, "participant Anna Svensson is erased"))
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)

	if err := events.NewPublisher(n.JS).Publish(ctx, registered(t, ids.UUIDv7{}.New(), "p1")); err != nil {
		t.Fatal(err)
	}
	dl := deadLetter(t, ctx, n.JS, "deadletter.permanent")
	settled(t, ctx, n.JS, "permanent", 1)
	if got, want := calls.Load(), int32(1); got != want {
		t.Errorf("handler called %d times, want %d", got, want)
	}
	if got, want := dl.Header.Get(events.HeaderError), "permanent: failed_precondition"; got != want {
		t.Errorf("Mp-Error = %q, want %q (the class, never the text)", got, want)
	}
	if got, want := dl.Header.Get(events.HeaderDelivered), "1"; got != want {
		t.Errorf("Mp-Delivered = %q, want %q", got, want)
	}
}

func TestPoisonMessageIsDeadLetteredWithoutHandler(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	var calls atomic.Int32
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "poison", DeadLetterSubject: "deadletter.custom",
	}, func(context.Context, *eventsv1.Envelope) error {
		calls.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)

	// Not protobuf, and valid protobuf that is no envelope (empty).
	poison := [][]byte{{0xff, 0xff, 0xff}, {}}
	for _, data := range poison {
		if _, err := n.JS.Publish(ctx, events.ParticipantRegistered, data); err != nil {
			t.Fatal(err)
		}
	}
	settled(t, ctx, n.JS, "poison", 2)
	s, err := n.JS.Stream(ctx, events.StreamDeadLetter)
	if err != nil {
		t.Fatal(err)
	}
	for i, data := range poison {
		// One consumer handles them in order, so dead letter i+1 is message i+1.
		dl, err := s.GetMsg(ctx, uint64(i+1))
		if err != nil {
			t.Fatalf("dead letter %d: %v", i+1, err)
		}
		if got, want := dl.Subject, "deadletter.custom"; got != want {
			t.Errorf("dead letter subject = %q, want %q", got, want)
		}
		if got, want := dl.Header.Get(events.HeaderOriginalSequence), fmt.Sprint(i+1); got != want {
			t.Errorf("dead letter of sequence %s, want %s", got, want)
		}
		if !cmp.Equal(dl.Data, data, cmpopts.EquateEmpty()) {
			t.Errorf("dead letter data = %x, want the original %x", dl.Data, data)
		}
		if got, want := dl.Header.Get(events.HeaderError), "poison: bad_envelope"; got != want {
			t.Errorf("Mp-Error = %q, want %q", got, want)
		}
	}
	if got := calls.Load(); got != 0 {
		t.Errorf("handler called %d times for poison messages, want 0", got)
	}
}

func TestPanickingHandlerIsRetriedThenDeadLettered(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	var calls atomic.Int32
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "panics", MaxDeliver: 2, Backoff: fastBackoff,
	}, func(context.Context, *eventsv1.Envelope) error {
		calls.Add(1)
		panic("nil map")
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)
	if err := events.NewPublisher(n.JS).Publish(ctx, registered(t, ids.UUIDv7{}.New(), "p1")); err != nil {
		t.Fatal(err)
	}
	dl := deadLetter(t, ctx, n.JS, "deadletter.panics")
	settled(t, ctx, n.JS, "panics", 1)
	if got, want := dl.Header.Get(events.HeaderError), "max_deliver: panic"; got != want {
		t.Errorf("Mp-Error = %q, want %q", got, want)
	}
	if got, want := calls.Load(), int32(2); got != want {
		t.Errorf("handler called %d times, want %d", got, want)
	}
}
