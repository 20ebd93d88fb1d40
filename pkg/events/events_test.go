package events_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// fastBackoff keeps retry tests quick; the delays still go through the
// server's NakWithDelay.
var fastBackoff = []time.Duration{time.Millisecond, 2 * time.Millisecond}

// mustStream starts NATS with the PARTICIPANTS stream.
func mustStream(t testing.TB) (*testutil.NATS, context.Context) {
	t.Helper()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	err := events.EnsureStream(ctx, n.JS, events.StreamConfig{
		Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects},
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, ctx
}

// registered returns a ParticipantRegistered envelope about participant pid.
func registered(t testing.TB, id, pid string) *eventsv1.Envelope {
	t.Helper()
	env, err := events.NewEnvelope(id, events.ParticipantRegistered, pid,
		time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC),
		&eventsv1.ParticipantRegistered{Facts: &eventsv1.ParticipantFacts{
			ParticipantId: pid, MunicipalityCode: "0180", HouseholdSize: 3,
		}})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// run starts c.Run and, when the test ends, cancels it and checks that it
// returned nil.
func run(t testing.TB, c *events.Consumer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

// settled waits until the consumer has nothing pending or unacknowledged:
// every message was acked or terminated, and none awaits redelivery.
func settled(t testing.TB, ctx context.Context, js jetstream.JetStream, durable string, wantDelivered uint64) {
	t.Helper()
	testutil.CheckFor(t, 10*time.Second, 5*time.Millisecond, func() error {
		cons, err := js.Consumer(ctx, events.StreamParticipants, durable)
		if err != nil {
			return err
		}
		info, err := cons.Info(ctx)
		if err != nil {
			return err
		}
		if info.NumPending != 0 || info.NumAckPending != 0 || info.AckFloor.Stream != wantDelivered {
			return fmt.Errorf("pending %d, ack pending %d, ack floor %d, want floor %d",
				info.NumPending, info.NumAckPending, info.AckFloor.Stream, wantDelivered)
		}
		return nil
	})
}

// deadLetter waits for the last dead letter on subject.
func deadLetter(t testing.TB, ctx context.Context, js jetstream.JetStream, subject string) *jetstream.RawStreamMsg {
	t.Helper()
	var got *jetstream.RawStreamMsg
	testutil.CheckFor(t, 10*time.Second, 5*time.Millisecond, func() error {
		s, err := js.Stream(ctx, events.StreamDeadLetter)
		if err != nil {
			return err
		}
		got, err = s.GetLastMsgForSubject(ctx, subject)
		return err
	})
	return got
}

// handledCounts reads events.handled by outcome.
func handledCounts(t testing.TB, r *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "events.handled" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
				o, _ := dp.Attributes.Value("outcome")
				got[o.AsString()] += dp.Value
			}
		}
	}
	return got
}

func TestPublishConsumeRoundtrip(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	got := make(chan *eventsv1.Envelope, 1)
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "roundtrip",
		FilterSubjects: []string{events.ParticipantRegistered},
	}, func(_ context.Context, env *eventsv1.Envelope) error {
		got <- env
		return nil
	}, events.WithMeterProvider(mp))
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)

	want := registered(t, ids.UUIDv7{}.New(), ids.UUIDv7{}.New())
	if err := events.NewPublisher(n.JS).Publish(ctx, want); err != nil {
		t.Fatal(err)
	}
	env := <-got
	if diff := cmp.Diff(want, env, protocmp.Transform()); diff != "" {
		t.Errorf("envelope (-want +got):\n%s", diff)
	}
	var payload eventsv1.ParticipantRegistered
	if err := env.GetPayload().UnmarshalTo(&payload); err != nil {
		t.Fatalf("unpack payload: %v", err)
	}
	if got, want := payload.GetFacts().GetParticipantId(), want.GetSubjectId(); got != want {
		t.Errorf("participant id = %q, want %q", got, want)
	}
	settled(t, ctx, n.JS, "roundtrip", 1)
	if got, want := handledCounts(t, reader), map[string]int64{"ack": 1}; !cmp.Equal(got, want) {
		t.Errorf("events.handled = %v, want %v", got, want)
	}
}

func TestPublishDeduplicatesByEventID(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	p := events.NewPublisher(n.JS)
	env := registered(t, ids.UUIDv7{}.New(), ids.UUIDv7{}.New())
	for range 2 {
		if err := p.Publish(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	s, err := n.JS.Stream(ctx, events.StreamParticipants)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := info.State.Msgs, uint64(1); got != want {
		t.Errorf("stream holds %d messages, want %d", got, want)
	}
}

func TestPublishRejectsIncompleteEnvelope(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	p := events.NewPublisher(n.JS)
	for _, env := range []*eventsv1.Envelope{nil, {Type: events.ParticipantRegistered}, {Id: "x"}} {
		if err := p.Publish(ctx, env); err == nil {
			t.Errorf("Publish(%v) = nil, want error", env)
		}
	}
}

func TestTraceContextPropagates(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	opts := []events.Option{events.WithTracerProvider(tp), events.WithPropagator(propagation.TraceContext{})}

	inHandler := make(chan trace.SpanContext, 1)
	c, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "traced",
	}, func(ctx context.Context, _ *eventsv1.Envelope) error {
		inHandler <- trace.SpanContextFromContext(ctx)
		return nil
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)

	env := registered(t, ids.UUIDv7{}.New(), ids.UUIDv7{}.New())
	pctx, parent := tp.Tracer("test").Start(ctx, "request")
	if err := events.NewPublisher(n.JS, opts...).Publish(pctx, env); err != nil {
		t.Fatal(err)
	}
	parent.End()

	handlerSC := <-inHandler
	if got, want := handlerSC.TraceID(), parent.SpanContext().TraceID(); got != want {
		t.Fatalf("handler trace id = %s, want %s", got, want)
	}
	var pub, proc sdktrace.ReadOnlySpan
	testutil.CheckFor(t, 10*time.Second, 5*time.Millisecond, func() error {
		for _, s := range rec.Ended() {
			switch s.Name() {
			case "publish " + events.ParticipantRegistered:
				pub = s
			case "process " + events.ParticipantRegistered:
				proc = s
			}
		}
		if pub == nil || proc == nil {
			return errors.New("publish and process spans not both ended")
		}
		return nil
	})
	if got, want := pub.Parent().SpanID(), parent.SpanContext().SpanID(); got != want {
		t.Errorf("publish span parent = %s, want the request span %s", got, want)
	}
	if got, want := pub.SpanKind(), trace.SpanKindProducer; got != want {
		t.Errorf("publish span kind = %v, want %v", got, want)
	}
	if got, want := proc.Parent().SpanID(), pub.SpanContext().SpanID(); got != want {
		t.Errorf("process span parent = %s, want the publish span %s", got, want)
	}
	if !proc.Parent().IsRemote() {
		t.Error("process span parent is not remote; the context did not come through headers")
	}
	if got, want := proc.SpanKind(), trace.SpanKindConsumer; got != want {
		t.Errorf("process span kind = %v, want %v", got, want)
	}
	if got, want := handlerSC.SpanID(), proc.SpanContext().SpanID(); got != want {
		t.Errorf("handler runs in span %s, want the process span %s", got, want)
	}
	wantAttrs := map[attribute.Key]string{
		"messaging.system":           "nats",
		"messaging.destination.name": events.ParticipantRegistered + "." + env.GetSubjectId(),
		"messaging.message.id":       env.GetId(),
	}
	for _, s := range []sdktrace.ReadOnlySpan{pub, proc} {
		attrs := map[attribute.Key]string{}
		for _, kv := range s.Attributes() {
			attrs[kv.Key] = kv.Value.Emit()
			// The payload, or any part of it, must never reach a span.
			if strings.Contains(kv.Value.Emit(), "0180") || strings.Contains(string(kv.Key), "payload") ||
				strings.Contains(string(kv.Key), "body") {
				t.Errorf("%s: attribute %s=%s looks like payload", s.Name(), kv.Key, kv.Value.Emit())
			}
		}
		for k, want := range wantAttrs {
			if got := attrs[k]; got != want {
				t.Errorf("%s: %s = %q, want %q", s.Name(), k, got, want)
			}
		}
	}
}

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
	if got, want := handledCounts(t, reader), map[string]int64{"retry": 2, "dead_letter": 1}; !cmp.Equal(got, want) {
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

func TestIdempotentHandlesRepublishedEventOnce(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	var calls, effects atomic.Int32
	h, err := events.Idempotent(ctx, n.JS, "processed-idem", 0, func(context.Context, *eventsv1.Envelope) error {
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

func TestEnsureStreamIsIdempotent(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	cfg := events.StreamConfig{Name: events.StreamVolunteers, Subjects: []string{events.VolunteersSubjects}}
	for _, age := range []time.Duration{0, 0, time.Hour} {
		cfg.MaxAge = age
		if err := events.EnsureStream(ctx, n.JS, cfg); err != nil {
			t.Fatalf("EnsureStream(MaxAge %v): %v", age, err)
		}
	}
	s, err := n.JS.Stream(ctx, events.StreamVolunteers)
	if err != nil {
		t.Fatal(err)
	}
	got := s.CachedInfo().Config
	if got.Storage != jetstream.FileStorage || got.Duplicates != 2*time.Minute || got.Replicas != 1 || got.MaxAge != time.Hour {
		t.Errorf("stream config = storage %v, duplicates %v, replicas %d, max age %v; want file, 2m, 1, 1h",
			got.Storage, got.Duplicates, got.Replicas, got.MaxAge)
	}
	if err := events.EnsureStream(ctx, n.JS, events.StreamConfig{Name: "X"}); err == nil {
		t.Error("EnsureStream without subjects = nil, want error")
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

func TestNewEnvelope(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	payload := &eventsv1.ParticipantErased{ParticipantId: "p1"}
	env, err := events.NewEnvelope("e1", events.ParticipantErased, "p1", at, payload)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := env.GetType(), events.ParticipantErased; got != want {
		t.Errorf("type = %q, want %q", got, want)
	}
	if got := env.GetOccurredAt().AsTime(); !got.Equal(at) {
		t.Errorf("occurred_at = %v, want %v", got, at)
	}
	var got eventsv1.ParticipantErased
	if err := env.GetPayload().UnmarshalTo(&got); err != nil || got.GetParticipantId() != "p1" {
		t.Errorf("payload = %v, %v; want participant p1", &got, err)
	}
	tests := []struct {
		name, id, subject string
		payload           proto.Message
	}{
		{"no id", "", events.ParticipantErased, payload},
		{"no subject", "e1", "", payload},
		{"no payload", "e1", events.ParticipantErased, nil},
	}
	for _, tt := range tests {
		if _, err := events.NewEnvelope(tt.id, tt.subject, "p1", at, tt.payload); err == nil {
			t.Errorf("%s: NewEnvelope = nil error, want one", tt.name)
		}
	}
}

func TestPermanent(t *testing.T) {
	t.Parallel()
	base := errors.New("bad")
	tests := []struct {
		name string
		in   error
		want bool
	}{
		{"plain", base, false},
		{"permanent", events.Permanent(base), true},
		{"wrapped permanent", fmt.Errorf("handle: %w", events.Permanent(base)), true},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := events.IsPermanent(tt.in); got != tt.want {
			t.Errorf("%s: IsPermanent = %v, want %v", tt.name, got, tt.want)
		}
	}
	if events.Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	if !errors.Is(events.Permanent(base), base) {
		t.Error("Permanent hides the wrapped error from errors.Is")
	}
}
