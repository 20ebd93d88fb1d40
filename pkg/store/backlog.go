package store

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// observeBacklog reports the outbox backlog of this repository until the
// watch stops: how many records carry events not yet published, and the
// age of the oldest. A backlog that grows or ages means the relay cannot
// publish (NATS down, a stream missing), which the alert rules watch.
func (r *Repo[T]) observeBacklog(meter metric.Meter) {
	size, err1 := meter.Int64ObservableGauge("store.outbox.backlog", metric.WithUnit("{record}"),
		metric.WithDescription("records whose outbox events are not yet published"))
	age, err2 := meter.Float64ObservableGauge("store.outbox.oldest_age", metric.WithUnit("s"),
		metric.WithDescription("how long the oldest unpublished outbox has waited"))
	if err1 != nil || err2 != nil {
		return // the names are constants: only a broken SDK setup fails
	}
	set := metric.WithAttributeSet(attribute.NewSet(attribute.String("bucket", r.cfg.Bucket)))
	reg, err := meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		r.mu.RLock()
		n, oldest := len(r.pending), time.Duration(0)
		for _, p := range r.pending {
			oldest = max(oldest, time.Since(p.since))
		}
		r.mu.RUnlock()
		o.ObserveInt64(size, int64(n), set)
		o.ObserveFloat64(age, oldest.Seconds(), set)
		return nil
	}, size, age)
	if err != nil {
		return
	}
	go func() {
		<-r.done
		_ = reg.Unregister()
	}()
}
