package events

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// PublishAll publishes envs as Publish does, but without waiting for one
// before sending the next: every message goes out at once and one wait
// collects the acknowledgements. The stream still stores (and syncs) them
// one by one, but nothing waits on a round trip per event, so a relay
// with many events left behind by a crashed writer does not publish them
// in a row. parent, if not nil, gives the context whose trace each
// event's publish span continues (the write that stored it). It returns
// one error per event, in order (nil: stored, or dropped as a duplicate
// of an id the stream has).
func (p *Publisher) PublishAll(ctx context.Context, envs []*eventsv1.Envelope, parent func(i int) context.Context) []error {
	errs := make([]error, len(envs))
	futs := make([]jetstream.PubAckFuture, len(envs))
	spans := make([]trace.Span, len(envs))
	for i, env := range envs {
		if env == nil || env.GetId() == "" || env.GetType() == "" {
			errs[i] = errors.New("events: publish needs an envelope with id and type")
			continue
		}
		subject, err := SubjectFor(env)
		if err != nil {
			errs[i] = err
			continue
		}
		data, err := proto.Marshal(env)
		if err != nil {
			errs[i] = fmt.Errorf("events: marshal %s %s: %w", subject, env.GetId(), err)
			continue
		}
		pctx := ctx
		if parent != nil {
			pctx = parent(i)
		}
		pctx, spans[i] = p.tracer.Start(pctx, "publish "+env.GetType(), trace.WithSpanKind(trace.SpanKindProducer))
		msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
		p.opts.prop.Inject(pctx, propagation.HeaderCarrier(msg.Header))
		futs[i], errs[i] = p.js.PublishMsgAsync(msg, jetstream.WithMsgID(env.GetId()))
	}
	for i, f := range futs {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
		case err := <-f.Err():
			errs[i] = fmt.Errorf("events: publish %s: %w", envs[i].GetType(), err)
		case <-ctx.Done():
			errs[i] = ctx.Err()
		}
	}
	for i, s := range spans {
		if s == nil {
			continue
		}
		if errs[i] != nil {
			s.SetStatus(codes.Error, "publish")
		}
		s.End()
	}
	return errs
}
