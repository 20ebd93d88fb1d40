package pool

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// lagLookup bounds the stream lookup of one lag sample, so a NATS that
// does not answer delays a scrape by at most this.
const lagLookup = 2 * time.Second

// observeLag registers pool.feed.lag: how far, in stream sequence
// numbers, the feed's last applied event is behind the newest event of
// its source. A pool fed by an ordered consumer has no durable consumer
// whose pending count events.consumer.lag would show, and a feed that
// stalls (an event it keeps retrying, NATS away) leaves the pool stale
// while matching still runs on it: this is what the PoolFeedBehind alert
// watches. The figure counts sequence numbers, not events, since the
// stream interleaves other subjects; it is 0 when the feed is current.
func (f *feed) observeLag(mp metric.MeterProvider, pool string) error {
	meter := mp.Meter("github.com/motesplats/motesplats/pkg/pool")
	lag, err := meter.Int64ObservableGauge("pool.feed.lag", metric.WithUnit("{message}"),
		metric.WithDescription("stream sequence numbers between the newest event of a pool's source and the last one its feed applied"))
	if err != nil {
		return fmt.Errorf("pool: gauge: %w", err)
	}
	set := metric.WithAttributeSet(attribute.NewSet(attribute.String("pool", pool), attribute.String("stream", f.src.Stream())))
	reg, err := meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		ctx, cancel := context.WithTimeout(ctx, lagLookup)
		defer cancel()
		last, err := f.last(ctx)
		if err != nil {
			return nil // no sample rather than a failed collection
		}
		o.ObserveInt64(lag, int64(last-min(last, f.position())), set)
		return nil
	}, lag)
	if err != nil {
		return fmt.Errorf("pool: gauge: %w", err)
	}
	f.lagReg = reg
	return nil
}
