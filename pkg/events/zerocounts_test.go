package events_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestHandledOutcomesStartAtZero: a new consumer serves events.handled at
// 0 for every outcome before it handles anything. Prometheus's increase()
// needs that earlier sample: a dead_letter series that first appeared at 1
// counted as no increase, and DeadLettersGrowing stayed silent for a
// consumer's first dead letters (seen with make up and Prometheus, ADR 0193).
func TestHandledOutcomesStartAtZero(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	if _, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{Stream: events.StreamParticipants, Durable: "zeroes"},
		func(context.Context, *eventsv1.Envelope) error { return nil }, events.WithMeterProvider(mp)); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"ack", "retry", "dead_letter", "error"} {
		if got := testutil.Int64Sum(t, reader, "events.handled", "consumer", "zeroes", "outcome", o); got != 0 {
			t.Errorf("events.handled{outcome=%q} = %d before any message, want 0 (-1: not served)", o, got)
		}
	}
}
