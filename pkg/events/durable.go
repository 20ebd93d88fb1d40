package events

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Durable describes an idempotent durable consumer of another service's
// stream, as a service's pool is fed.
type Durable struct {
	// Consumer is the consumer's configuration; Stream, Durable and
	// usually FilterSubjects are set.
	Consumer ConsumerConfig
	// Handler handles each event once: it is wrapped by Idempotent with
	// the bucket "processed-<Durable>", unless Stamped.
	Handler Handler
	// Stamped says Handler is idempotent by itself: it applies an event
	// only when it is newer than what it stored (events.Pool.Apply, by
	// the event's time and id) and what it tells others (Pool.Leave) is
	// idempotent. Then the processed-ids bucket is left out, which saves
	// a read and a durable write per event (docs/adr/0032).
	Stamped bool
	// ProcessedTTL is how long handled ids are remembered (default
	// DefaultProcessedTTL).
	ProcessedTTL time.Duration
	// Replicas is the processed-ids bucket's replicas (MP_REPLICAS: 3 in a
	// cluster; 0 means 1). Without it the bucket was R1 in an R3 cluster,
	// lost with its one node (ADR 0193).
	Replicas int
	// Retry is how long to wait before trying again to set the consumer
	// up (default 500ms).
	Retry time.Duration
	// Logger reports set-up problems other than the stream being absent.
	Logger *slog.Logger
	// Options are passed to NewConsumer.
	Options []Option
}

// RunDurable runs the consumer d describes until ctx ends, and returns nil
// then. The stream belongs to its producer, which may start after this
// service (the embedded stack starts everything at once, and a producer
// may be deployed later), so setting the consumer up is retried until the
// stream exists; any other set-up error is logged and retried too, so a
// NATS hiccup at start does not stop the service.
func RunDurable(ctx context.Context, js jetstream.JetStream, d Durable) error {
	if d.Retry <= 0 {
		d.Retry = 500 * time.Millisecond
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	for {
		c, err := newDurable(ctx, js, d)
		if err == nil {
			return c.Run(ctx)
		}
		if ctx.Err() != nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrStreamNotFound) {
			d.Logger.Warn("events: consumer not ready; retrying", "consumer", d.Consumer.Durable, "err", err)
		}
		t := time.NewTimer(d.Retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func newDurable(ctx context.Context, js jetstream.JetStream, d Durable) (*Consumer, error) {
	h := d.Handler
	if !d.Stamped {
		var err error
		if h, err = Idempotent(ctx, js, "processed-"+d.Consumer.Durable, d.ProcessedTTL, d.Replicas, d.Handler); err != nil {
			return nil, err
		}
	}
	return NewConsumer(ctx, js, d.Consumer, h, d.Options...)
}
