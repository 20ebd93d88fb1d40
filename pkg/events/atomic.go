package events

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/jsbatch"
)

// PublishBatch publishes envs like Publish, but many at a time: in atomic
// batches of up to jsbatch.Max per stream, each one fsync. Only when a
// batch is refused (an event id the stream has seen in its duplicate
// window: a re-publish after a crash; or a stream without atomic publish)
// are that batch's events published one by one, where duplicates are
// dropped as usual. Every event is stored when it returns nil. One span
// covers each batch; the consumers' spans are children of the caller's
// context.
func (p *Publisher) PublishBatch(ctx context.Context, envs []*eventsv1.Envelope) error {
	for start := 0; start < len(envs); start += jsbatch.Max {
		chunk := envs[start:min(len(envs), start+jsbatch.Max)]
		if err := p.publishChunk(ctx, chunk); err != nil {
			return err
		}
	}
	return nil
}

func (p *Publisher) publishChunk(ctx context.Context, envs []*eventsv1.Envelope) error {
	ctx, span := p.tracer.Start(ctx, "publish batch")
	defer span.End()
	msgs := make([]*nats.Msg, 0, len(envs))
	for _, env := range envs {
		if env == nil || env.GetId() == "" || env.GetType() == "" {
			return errors.New("events: publish needs an envelope with id and type")
		}
		subject, err := SubjectFor(env)
		if err != nil {
			return err
		}
		data, err := proto.Marshal(env)
		if err != nil {
			return fmt.Errorf("events: marshal %s %s: %w", subject, env.GetId(), err)
		}
		msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
		msg.Header.Set(jetstream.MsgIDHeader, env.GetId())
		p.opts.prop.Inject(ctx, propagation.HeaderCarrier(msg.Header))
		msgs = append(msgs, msg)
	}
	if _, err := jsbatch.Publish(ctx, p.js, msgs); err == nil {
		return nil
	}
	// Refused (nothing stored) or unanswered (perhaps stored): one by one,
	// the stream drops what it already has by id.
	for _, env := range envs {
		if err := p.Publish(ctx, env); err != nil {
			return err
		}
	}
	return nil
}
