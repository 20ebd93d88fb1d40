package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// Defaults of the circuit breaker in front of the backend.
const (
	// DefaultBreakerAfter is how many backend calls in a row must fail
	// before the cache stops calling the backend.
	DefaultBreakerAfter = 10
	// DefaultBreakerProbe is how often a background probe asks a backend
	// that is bypassed whether it is back.
	DefaultBreakerProbe = 500 * time.Millisecond
	// MaxPendingInvalidations bounds the invalidations remembered while the
	// backend is bypassed, to be delivered when it is back. Past it the
	// cache stays bypassed for one TTL after recovery instead, so every
	// value that missed its invalidation has expired before it is read.
	MaxPendingInvalidations = 10_000
)

// breaker stops a Cache from calling a backend that keeps failing. Down,
// a Redis costs every call its full timeout (go-redis spends it redialling),
// twice per read; open, the breaker answers "miss" at once, so a read costs
// what it costs without a cache. A probe in the background closes it when
// the backend answers again, after delivering the invalidations that could
// not be sent meanwhile: a value changed or erased while Redis was away is
// never served once it is back.
type breaker struct {
	after   int32 // consecutive failures that open it; 0 disables it
	every   time.Duration
	ttl     time.Duration
	timeout time.Duration

	failures atomic.Int32
	open     atomic.Bool

	mu         sync.Mutex          // guards pending, overflowed and the open->closed step
	pending    map[string]struct{} // full keys whose delete has not reached the backend
	overflowed time.Time           // last time a key was left out of pending
}

func newBreaker(o Options) *breaker {
	after := o.BreakerAfter
	if after == 0 {
		after = DefaultBreakerAfter
	}
	if after < 0 {
		after = 0
	}
	every := o.BreakerProbe
	if every <= 0 {
		every = DefaultBreakerProbe
	}
	timeout := o.Timeout
	if timeout < 0 {
		timeout = time.Second
	}
	return &breaker{after: int32(after), every: every, ttl: o.TTL, timeout: timeout, pending: map[string]struct{}{}}
}

// allow reports whether the backend may be called now.
func (b *breaker) allow() bool { return !b.open.Load() }

// success resets the count of failures in a row.
func (b *breaker) success() {
	if b.failures.Load() != 0 {
		b.failures.Store(0)
	}
}

// failure counts a failed call and reports whether it opened the breaker.
func (b *breaker) failure() bool {
	if b.after == 0 {
		return false
	}
	return b.failures.Add(1) >= b.after && b.open.CompareAndSwap(false, true)
}

// remember keeps keys whose delete did not reach the backend, for the
// probe to deliver, and reports whether the breaker opened because of it:
// a backend that missed an invalidation may serve the old value, so it is
// not read again until the delete is delivered.
func (b *breaker) remember(keys []string) (opened bool) {
	if b.after == 0 {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.addPending(keys)
	return b.open.CompareAndSwap(false, true)
}

// rememberIfOpen remembers keys when the breaker is open, atomically with
// the probe's closing step, and reports whether it did; when it did not,
// the caller deletes them from the backend itself.
func (b *breaker) rememberIfOpen(keys []string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open.Load() {
		return false
	}
	b.addPending(keys)
	return true
}

// addPending adds keys to pending; b.mu must be held.
func (b *breaker) addPending(keys []string) {
	for _, k := range keys {
		if len(b.pending) >= MaxPendingInvalidations {
			b.overflowed = time.Now()
			continue
		}
		b.pending[k] = struct{}{}
	}
}

// probe runs while the breaker is open: every interval it asks the backend
// for a key that is never set; once that works it delivers the pending
// invalidations and closes the breaker. It returns when closed.
func (c *Cache) probe() {
	b := c.br
	t := time.NewTicker(b.every)
	defer t.Stop()
	for range t.C {
		if c.tryClose() {
			c.log.Info("cache backend answers again; using it")
			return
		}
	}
}

// tryClose probes once; it reports whether the breaker closed.
func (c *Cache) tryClose() bool {
	b := c.br
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	if _, _, err := c.b.Get(ctx, c.o.Prefix+"\x00breaker-probe"); err != nil {
		return false
	}
	for {
		b.mu.Lock()
		if len(b.pending) == 0 {
			// A value that missed its invalidation when pending was full
			// expires within a TTL of it; until then the backend stays out.
			if !b.overflowed.IsZero() && time.Since(b.overflowed) < b.ttl {
				b.mu.Unlock()
				return false
			}
			b.failures.Store(0)
			b.open.Store(false)
			b.mu.Unlock()
			return true
		}
		keys := make([]string, 0, len(b.pending))
		for k := range b.pending {
			keys = append(keys, k)
			if len(keys) == 500 {
				break
			}
		}
		b.mu.Unlock()
		dctx, dcancel := context.WithTimeout(context.Background(), b.timeout+time.Duration(len(keys))*time.Millisecond)
		err := c.b.Delete(dctx, keys...)
		dcancel()
		if err != nil {
			return false // still pending; the next probe tries again
		}
		b.mu.Lock()
		for _, k := range keys {
			delete(b.pending, k)
		}
		b.mu.Unlock()
	}
}

// opened starts the probe and says so once, when the breaker opens.
func (c *Cache) opened(ctx context.Context, why string) {
	c.log.WarnContext(ctx, "cache backend bypassed until it answers again; reads go to the source",
		"why", why, "probe_every", c.br.every.String())
	go c.probe()
}

// observeBreaker reports the breaker's state as a gauge: 1 open, 0 closed.
func (c *Cache) observeBreaker(m metric.Meter) {
	g, err := m.Int64ObservableGauge("cache.breaker.open",
		metric.WithDescription("1 while the cache bypasses its backend after repeated failures (reads go to the source), else 0."),
		metric.WithUnit("{state}"))
	if err != nil {
		return // a no-op instrument; the breaker works without metrics
	}
	_, _ = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		v := int64(0)
		if c.br.open.Load() {
			v = 1
		}
		o.ObserveInt64(g, v, c.attrs)
		return nil
	}, g)
}
