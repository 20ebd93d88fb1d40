package events_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestConsumerOutlivesMissedHeartbeats: NATS not answering a consumer's
// pull for a while (here a cut connection; under make up two of three
// nodes down) makes the client report missed heartbeats. The consumer
// pulls again and handles what comes after, where before Run returned
// and its service exited (guides-1 in the s25 chaos round, ADR 0134).
func TestConsumerOutlivesMissedHeartbeats(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	proxy := testutil.MustProxy(t, n.Server.Addr().String(), nil)
	js := proxy.ConnectNATS(t)
	var logs testutil.LogBuffer
	var handled atomic.Int32
	c, err := events.NewConsumer(ctx, js, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: "heartbeat", PullExpiry: time.Second,
	}, func(context.Context, *eventsv1.Envelope) error { handled.Add(1); return nil },
		events.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	pub := events.NewPublisher(n.JS)
	if err := pub.Publish(ctx, registered(t, "e-before", "p-before")); err != nil {
		t.Fatal(err)
	}
	settled(t, ctx, n.JS, "heartbeat", 1)

	proxy.Cut()
	testutil.WaitLogged(t, &logs, "no heartbeat from NATS", done)
	proxy.Heal()
	if err := pub.Publish(ctx, registered(t, "e-after", "p-after")); err != nil {
		t.Fatal(err)
	}
	settled(t, ctx, n.JS, "heartbeat", 2)
	if got := handled.Load(); got != 2 {
		t.Errorf("handled %d events, want 2", got)
	}
}
