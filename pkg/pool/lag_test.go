package pool_test

import (
	"context"
	"fmt"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestFeedLagGauge: while the feed is held on one event, pool.feed.lag
// shows how far the newest event of the stream is ahead of what was
// applied, labelled with the pool and the stream; once the feed has
// caught up it shows 0.
func TestFeedLagGauge(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	pub := ensureParticipants(t, n.JS)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	side, err := pool.Open(ctx, n.JS, pool.Spec[*mentoringv1.PoolNewcomer]{
		Bucket: "kit_lag", IDField: "participant_id", Source: pool.Participants, MeterProvider: mp,
		New: func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	err = side.Start(ctx, func(ctx context.Context, env *eventsv1.Envelope) error {
		if env.GetId() == "hold" {
			close(held)
			<-release
		}
		return side.ApplyParticipant(ctx, env, build)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(side.Close)
	publish(t, pub, personEvent(t, "hold", events.ParticipantRegistered, "p-h", 1,
		&eventsv1.ParticipantRegistered{Facts: factsOf("p-h", "0180", true)}))
	for i := range 4 {
		who := fmt.Sprintf("p-%d", i)
		publish(t, pub, personEvent(t, "r"+who, events.ParticipantRegistered, who, 2+i,
			&eventsv1.ParticipantRegistered{Facts: factsOf(who, "0180", true)}))
	}
	<-held
	if got := feedLag(t, reader); got != 5 {
		t.Errorf("lag while held on the first of 5 events = %d, want 5", got)
	}
	close(release)
	if err := side.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := feedLag(t, reader); got != 0 {
		t.Errorf("lag after catching up = %d, want 0", got)
	}
}

// feedLag is pool.feed.lag of the kit_lag pool on PARTICIPANTS; -1 when
// it is not served.
func feedLag(t *testing.T, r *sdkmetric.ManualReader) int64 {
	t.Helper()
	return testutil.Int64Gauge(t, r, "pool.feed.lag", "pool", "kit_lag", "stream", events.StreamParticipants)
}
