package events

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// Publisher publishes envelopes to JetStream. It is safe for concurrent use.
type Publisher struct {
	js     jetstream.JetStream
	opts   options
	tracer trace.Tracer
}

// NewPublisher returns a Publisher over js.
func NewPublisher(js jetstream.JetStream, opts ...Option) *Publisher {
	o := newOptions(opts)
	return &Publisher{js: js, opts: o, tracer: o.tracer()}
}

// Publish sends env on the subject "<env.Type>.<env.SubjectId>" and returns once JetStream has
// stored it, so a nil error means the event is durable. Nats-Msg-Id is
// env.Id: a publish retried after a lost ack is dropped by the stream, and
// Publish then still returns nil. The caller's trace context goes into the
// NATS headers; the span never records the payload.
func (p *Publisher) Publish(ctx context.Context, env *eventsv1.Envelope) error {
	if env == nil || env.GetId() == "" || env.GetType() == "" {
		return errors.New("events: publish needs an envelope with id and type")
	}
	subject, err := SubjectFor(env)
	if err != nil {
		return err
	}
	// The span name carries the type, not the subject: ids would make its
	// cardinality unbounded.
	ctx, span := p.tracer.Start(ctx, "publish "+env.GetType(),
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(
			natsSystem,
			semconv.MessagingOperationTypeSend,
			semconv.MessagingDestinationName(subject),
			semconv.MessagingMessageID(env.GetId()),
		))
	defer span.End()

	data, err := proto.Marshal(env)
	if err != nil {
		span.SetStatus(codes.Error, "marshal")
		return fmt.Errorf("events: marshal %s %s: %w", subject, env.GetId(), err)
	}
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	// Inject inside the span, so consumers become children of this publish.
	p.opts.prop.Inject(ctx, propagation.HeaderCarrier(msg.Header))

	ack, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(env.GetId()))
	if err != nil {
		span.SetStatus(codes.Error, "publish")
		return fmt.Errorf("events: publish %s %s: %w", subject, env.GetId(), err)
	}
	span.SetAttributes(
		attribute.String("messaging.nats.stream", ack.Stream),
		attribute.Int64("messaging.nats.sequence", int64(ack.Sequence)),
		attribute.Bool("messaging.nats.duplicate", ack.Duplicate),
	)
	return nil
}
