package events_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
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
	if got, want := handledCounts(t, reader), map[string]int64{"ack": 1, "retry": 0, "dead_letter": 0, "error": 0}; !cmp.Equal(got, want) {
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
