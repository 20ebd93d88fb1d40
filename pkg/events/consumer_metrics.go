package events

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// outcome labels events.handled and events.handle.duration.
type outcome string

const (
	outcomeAck        outcome = "ack"         // handled and acknowledged
	outcomeRetry      outcome = "retry"       // failed, redelivered after a backoff
	outcomeDeadLetter outcome = "dead_letter" // given up on, moved to the dead-letter subject
	outcomeError      outcome = "error"       // the ack, nak or dead-letter publish itself failed
)

func (c *Consumer) instruments() error {
	c.byOutcome = map[outcome]metric.MeasurementOption{}
	for _, o := range []outcome{outcomeAck, outcomeRetry, outcomeDeadLetter, outcomeError} {
		c.byOutcome[o] = c.outcomeSet(o)
	}
	var err error
	c.handled, err = c.meter.Int64Counter("events.handled",
		metric.WithDescription("Messages handled by a consumer, by outcome."),
		metric.WithUnit("{message}"))
	if err != nil {
		return fmt.Errorf("events: counter: %w", err)
	}
	c.duration, err = c.meter.Float64Histogram("events.handle.duration",
		metric.WithDescription("Time to handle one message, including ack or dead-lettering."),
		metric.WithUnit("s"))
	if err != nil {
		return fmt.Errorf("events: histogram: %w", err)
	}
	// Every outcome starts at 0, so the first dead letter of a process is
	// an increase Prometheus sees: a series that appeared at 1 has no
	// earlier sample, increase() counted it as 0, and DeadLettersGrowing
	// never fired for a consumer's first dead letters (ADR 0193).
	for _, o := range []outcome{outcomeAck, outcomeRetry, outcomeDeadLetter, outcomeError} {
		c.handled.Add(context.Background(), 0, c.byOutcome[o])
	}
	c.lag, err = c.meter.Int64ObservableGauge("events.consumer.lag",
		metric.WithDescription("Messages in the stream not yet delivered to the consumer."),
		metric.WithUnit("{message}"))
	if err != nil {
		return fmt.Errorf("events: gauge: %w", err)
	}
	return nil
}

// observeLag asks the server for the consumer's pending count. A failed
// lookup skips the sample rather than failing the whole collection.
func (c *Consumer) observeLag(ctx context.Context, o metric.Observer) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	info, err := c.cons.Info(ctx)
	if err != nil {
		return nil
	}
	o.ObserveInt64(c.lag, int64(info.NumPending), metric.WithAttributeSet(c.attrs))
	return nil
}

// outcomeSet is the metric attributes of a message handled with outcome o.
func (c *Consumer) outcomeSet(o outcome) metric.MeasurementOption {
	return metric.WithAttributes(attribute.String("consumer", c.cfg.Durable), attribute.String("outcome", string(o)))
}
