package events_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

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
	// Pings every minute: the cut must look like a silent server, not a
	// lost connection (which the client handles by reconnecting).
	nc, err := nats.Connect("nats://"+proxy.Addr(), nats.PingInterval(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
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
	testutil.CheckFor(t, 30*time.Second, 20*time.Millisecond, func() error {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("Run returned while NATS was silent: %v", err)
		default:
		}
		if !strings.Contains(logs.String(), "no heartbeat from NATS") {
			return errors.New("no missed heartbeat logged yet")
		}
		return nil
	})
	proxy.Heal()
	if err := pub.Publish(ctx, registered(t, "e-after", "p-after")); err != nil {
		t.Fatal(err)
	}
	settled(t, ctx, n.JS, "heartbeat", 2)
	if got := handled.Load(); got != 2 {
		t.Errorf("handled %d events, want 2", got)
	}
}
