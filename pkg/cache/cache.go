// Package cache is a cache-aside layer for reads that repeat: a Get returns
// the cached bytes or loads them once for all concurrent callers of a key
// (singleflight), stores them with a short TTL and returns them.
//
// The cache is an optimisation, never a dependency: when the backend (Redis)
// is slow or down, Get falls through to the loader, counts the failure in
// the cache.errors metric and logs it at most once per interval. A request
// never fails because of the cache. After BreakerAfter failures in a row a
// circuit breaker stops calling the backend (cache.breaker.open is 1) until
// a background probe finds it back, so a read with Redis down costs what a
// read without a cache costs (see breaker.go).
//
// Values must not depend on the caller: concurrent callers of one key share
// one load, run with the first caller's context. Filter by the caller's
// scope after the cache, not inside the loader.
package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"golang.org/x/sync/singleflight"
	"google.golang.org/protobuf/proto"
)

// Backend is where cached bytes live. Implementations are safe for
// concurrent use and return values the caller may keep and modify.
type Backend interface {
	// Get returns the value of key; ok is false when it is absent or expired.
	Get(ctx context.Context, key string) (val []byte, ok bool, err error)
	// Set stores val under key for ttl; ttl <= 0 stores it without expiry
	// (Cache never does that: the TTL is the safety net for missed
	// invalidations).
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Delete removes keys; absent keys are not an error.
	Delete(ctx context.Context, keys ...string) error
}

// localBackend marks backends that never block on the network, so Cache
// spares them the per-call timeout context (a timer per call).
type localBackend interface{ local() }

// Defaults for Options.
const (
	DefaultTTL      = 30 * time.Second
	DefaultTimeout  = 50 * time.Millisecond
	DefaultLogEvery = 10 * time.Second
)

// Options configure a Cache. The zero value works, with the defaults above.
type Options struct {
	// Name labels the metrics (attribute cache=Name) and logs, for example
	// "participants".
	Name string
	// TTL bounds how long a value can outlive a missed invalidation.
	// Default 30s.
	TTL time.Duration
	// Prefix is prepended to every key, so caches can share one Redis.
	Prefix string
	// Timeout bounds each backend call, so a slow Redis costs a request at
	// most this much before the loader runs. Default 50ms; negative means
	// no timeout. A Redis client only honours it with
	// ContextTimeoutEnabled, which NewRedisClient sets.
	Timeout time.Duration
	// LogEvery is the least time between two logs of backend errors; the
	// metric counts every one. Default 10s.
	LogEvery time.Duration
	// Logger receives backend error logs. Default slog.Default().
	Logger *slog.Logger
	// MeterProvider creates the counters. Default otel.GetMeterProvider().
	MeterProvider metric.MeterProvider
	// BreakerAfter is how many backend calls in a row may fail before the
	// cache bypasses the backend, answering every read from the source
	// until a background probe finds it back. Default
	// DefaultBreakerAfter; negative disables the breaker.
	BreakerAfter int
	// BreakerProbe is how often the probe asks a bypassed backend whether
	// it is back. Default DefaultBreakerProbe.
	BreakerProbe time.Duration
	// Absent, when set, is the error a load answers for a key of nothing
	// (a store's NotFound), matched with errors.Is: such an answer is
	// remembered for the TTL as a value is, and later Gets answer Absent
	// without loading, so a key of nothing costs what a cached one does
	// (ADR 0235). Only for keys no caller can know before their value
	// exists (server-made random ids): the value's creation evicts the
	// key as any change does, but a Get that ran before it would have
	// remembered nothing for up to the TTL. Values must never begin with
	// absentMark.
	Absent error
	// AbsentLike is the encoding of a made-up value of a usual size,
	// stored with the mark of a key of nothing and decoded by GetProto,
	// GetProtoShared and LookupProtosOrAbsent when they find the mark, so
	// that answering Absent from the cache costs the transfer and the
	// decoding a value's answer costs (200 values decoded took 1.2 ms
	// more than 200 marks, ADR 0235). Nil stores the bare mark.
	AbsentLike []byte
}

// ErrBypassed is returned by Invalidate while the backend is bypassed: the
// keys are deleted when it is back, before any read uses it again.
var ErrBypassed = errors.New("backend bypassed after repeated failures; the delete is delivered when it is back")

// Cache is a cache-aside front of a Backend. It is safe for concurrent use.
type Cache struct {
	b      Backend
	o      Options
	local  bool
	group  singleflight.Group
	log    *slog.Logger
	attrs  metric.MeasurementOption
	hits   metric.Int64Counter
	misses metric.Int64Counter
	errs   metric.Int64Counter
	skips  metric.Int64Counter
	br     *breaker
	// absent is the value stored for a key of nothing: absentMark, then
	// Options.AbsentLike.
	absent []byte

	// gen counts invalidations. A load that saw gen change while it ran may
	// have read data that was deleted or changed meanwhile (an erasure, say),
	// so its result is returned but not stored.
	gen atomic.Uint64
	// lastLog (unix nanos) and suppressed throttle backend error logs.
	lastLog    atomic.Int64
	suppressed atomic.Int64
}

// New returns a Cache over b.
func New(b Backend, o Options) *Cache {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.LogEvery <= 0 {
		o.LogEvery = DefaultLogEvery
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MeterProvider == nil {
		o.MeterProvider = otel.GetMeterProvider()
	}
	_, local := b.(localBackend)
	c := &Cache{
		b:      b,
		o:      o,
		local:  local,
		absent: append(slices.Clip(absentMark), o.AbsentLike...),
		log:    o.Logger.With("cache", o.Name),
		attrs:  metric.WithAttributeSet(attribute.NewSet(attribute.String("cache", o.Name))),
	}
	m := o.MeterProvider.Meter("github.com/motesplats/motesplats/pkg/cache")
	c.hits = counter(m, "cache.hits", "Reads served from the cache.")
	c.misses = counter(m, "cache.misses", "Reads that ran the loader (absent, expired or backend error).")
	c.errs = counter(m, "cache.errors", "Failed or timed-out backend calls; the request fell through to the source.")
	c.skips = counter(m, "cache.bypassed", "Backend calls not made because the breaker is open (the backend failed repeatedly).")
	c.br = newBreaker(o)
	c.observeBreaker(m)
	return c
}

func counter(m metric.Meter, name, desc string) metric.Int64Counter {
	c, err := m.Int64Counter(name, metric.WithDescription(desc), metric.WithUnit("{call}"))
	if err != nil {
		// The names are constants; an error here is a bug in the SDK
		// setup, and the returned instrument still works as a no-op.
		otel.Handle(err)
	}
	return c
}

// loadPanic carries a loader's panic out of the singleflight goroutine so
// it is re-raised in each caller, where the server's recovery handles it,
// instead of crashing the process (DoChan re-panics in a new goroutine).
type loadPanic struct {
	value any
	stack []byte
}

func (p *loadPanic) Error() string {
	return fmt.Sprintf("cache: load panicked: %v\n%s", p.value, p.stack)
}

// Get returns the cached value of key, or calls load once for all
// concurrent callers of key, stores the result for the TTL and returns it.
// Backend errors are counted and logged, never returned; load errors are
// returned and not cached, but for Options.Absent, which is (and is
// answered from the cache as Absent until the TTL or an Invalidate). A caller whose ctx ends while it waits for
// another caller's load gets ctx.Err(); the load itself runs on, without
// cancellation, for the others. The returned slice is the caller's own.
func (c *Cache) Get(ctx context.Context, key string, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	val, err := c.get(ctx, key, load)
	if err != nil {
		return nil, err
	}
	return val, nil
}

// get is Get that, when it answers Absent from the cache, also returns
// the mark it found (for standIn).
func (c *Cache) get(ctx context.Context, key string, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	k := c.o.Prefix + key
	val, ok, healthy := c.lookup(ctx, k)
	if ok {
		c.hits.Add(ctx, 1, c.attrs)
		if c.isAbsent(val) {
			return val, c.o.Absent
		}
		return val, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.misses.Add(ctx, 1, c.attrs)

	lctx := context.WithoutCancel(ctx)
	ch := c.group.DoChan(k, func() (v any, err error) {
		defer func() {
			if r := recover(); r != nil {
				err = &loadPanic{value: r, stack: debug.Stack()}
			}
		}()
		// A caller that missed just as the previous flight for k finished
		// starts a new flight; look again so it does not load twice. Skip it
		// when the backend just failed: it would only fail again.
		if healthy {
			if val, ok, _ := c.lookup(lctx, k); ok {
				return val, nil
			}
		}
		gen := c.gen.Load()
		val, err := load(lctx)
		if err != nil {
			if c.o.Absent != nil && errors.Is(err, c.o.Absent) && c.gen.Load() == gen {
				c.set(lctx, k, c.absent)
			}
			return nil, err
		}
		if c.gen.Load() == gen {
			c.set(lctx, k, val)
		}
		return val, nil
	})
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			if p, ok := errors.AsType[*loadPanic](res.Err); ok {
				panic(p)
			}
			return nil, res.Err
		}
		val := res.Val.([]byte)
		if c.isAbsent(val) {
			// The flight's second look found the mark.
			return val, c.o.Absent
		}
		if res.Shared {
			val = bytes.Clone(val)
		}
		return val, nil
	}
}

// Invalidate deletes keys from the backend, and makes loads already running
// skip storing their result, since they may have read the old data. Errors
// are counted and logged like any backend error, and returned for callers
// that care (an erasure may want to retry).
func (c *Cache) Invalidate(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	c.gen.Add(1)
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.o.Prefix + k
		// Later Gets must not join a flight that started before the change.
		c.group.Forget(full[i])
	}
	if c.br.rememberIfOpen(full) {
		c.skips.Add(ctx, 1, c.attrs)
		return fmt.Errorf("cache %s: invalidate: %w", c.o.Name, ErrBypassed)
	}
	bctx, cancel := c.callContext(ctx)
	defer cancel()
	if err := c.b.Delete(bctx, full...); err != nil {
		c.backendError(ctx, "delete", err)
		opened := c.br.failure()
		if c.br.remember(full) {
			opened = true
		}
		if opened {
			c.opened(ctx, "delete")
		}
		return fmt.Errorf("cache %s: invalidate: %w", c.o.Name, err)
	}
	c.br.success()
	return nil
}

// GetProto is Get for protobuf values: it stores the wire encoding and
// returns a fresh message made by newT. A cached value that no longer
// decodes (a schema change) counts as a backend error and is reloaded.
func GetProto[T proto.Message](ctx context.Context, c *Cache, key string, newT func() T, load func(ctx context.Context) (T, error)) (T, error) {
	var (
		loaded T
		mine   bool
	)
	raw, err := c.get(ctx, key, func(ctx context.Context) ([]byte, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		b, err := proto.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("cache %s: marshal %T: %w", c.o.Name, v, err)
		}
		// Only the caller whose closure ran sees this; it can skip decoding.
		loaded, mine = v, true
		return b, nil
	})
	if err != nil {
		if raw != nil {
			standIn(raw, newT)
		}
		var zero T
		return zero, err
	}
	if mine {
		return loaded, nil
	}
	v := newT()
	if err := proto.Unmarshal(raw, v); err != nil {
		c.backendError(ctx, "decode", err)
		fresh, err := load(ctx)
		if err != nil {
			var zero T
			return zero, err
		}
		if b, err := proto.Marshal(fresh); err == nil {
			c.set(ctx, c.o.Prefix+key, b)
		}
		return fresh, nil
	}
	return v, nil
}

// decodedStore is implemented by backends that can keep a decoded value
// beside its bytes (the in-process one), so a hit skips decoding.
type decodedStore interface {
	getDecoded(key string) (any, bool)
	attachDecoded(key string, val []byte, obj any)
}

// GetProtoShared is GetProto for callers that only read the result, such
// as a handler returning it to gRPC for encoding: with the in-process
// backend a hit returns the message decoded by an earlier call, shared
// between callers, instead of decoding it again. Callers must not modify
// it. With Redis it behaves as GetProto.
func GetProtoShared[T proto.Message](ctx context.Context, c *Cache, key string, newT func() T, load func(ctx context.Context) (T, error)) (T, error) {
	d, ok := c.b.(decodedStore)
	if !ok {
		return GetProto(ctx, c, key, newT, load)
	}
	k := c.o.Prefix + key
	if obj, ok := d.getDecoded(k); ok {
		if _, ok := obj.(absentDecoded); ok {
			c.hits.Add(ctx, 1, c.attrs)
			var zero T
			return zero, c.o.Absent
		}
		if v, ok := obj.(T); ok {
			c.hits.Add(ctx, 1, c.attrs)
			return v, nil
		}
	}
	var zero T
	raw, err := c.get(ctx, key, func(ctx context.Context) ([]byte, error) {
		v, err := load(ctx)
		if err != nil {
			return nil, err
		}
		b, err := proto.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("cache %s: marshal %T: %w", c.o.Name, v, err)
		}
		return b, nil
	})
	if err != nil {
		if raw != nil {
			// Decoded once, as a value is, then kept decoded as values are.
			standIn(raw, newT)
			d.attachDecoded(k, raw, absentDecoded{})
		}
		return zero, err
	}
	v := newT()
	if err := proto.Unmarshal(raw, v); err != nil {
		// Bytes that no longer decode: take the copying path, which reloads.
		return GetProto(ctx, c, key, newT, load)
	}
	d.attachDecoded(k, raw, v)
	return v, nil
}

// lookup reads k from the backend; healthy is false when the backend failed.
func (c *Cache) lookup(ctx context.Context, k string) (val []byte, ok, healthy bool) {
	if !c.br.allow() {
		c.skips.Add(ctx, 1, c.attrs)
		return nil, false, false
	}
	bctx, cancel := c.callContext(ctx)
	defer cancel()
	val, ok, err := c.b.Get(bctx, k)
	if err != nil {
		if ctx.Err() == nil {
			// The caller giving up is not the backend's fault.
			c.backendFailed(ctx, "get", err)
		}
		return nil, false, false
	}
	c.br.success()
	return val, ok, true
}

func (c *Cache) set(ctx context.Context, k string, val []byte) {
	if !c.br.allow() {
		c.skips.Add(ctx, 1, c.attrs)
		return
	}
	bctx, cancel := c.callContext(ctx)
	defer cancel()
	if err := c.b.Set(bctx, k, val, c.o.TTL); err != nil {
		c.backendFailed(ctx, "set", err)
		return
	}
	c.br.success()
}

// backendFailed is backendError plus the breaker's count of failures.
func (c *Cache) backendFailed(ctx context.Context, op string, err error) {
	c.backendError(ctx, op, err)
	if c.br.failure() {
		c.opened(ctx, op)
	}
}

func (c *Cache) callContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.local || c.o.Timeout < 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.o.Timeout)
}

// backendError counts err and logs it unless another was logged within
// LogEvery. The log names the operation, never the key: keys carry ids, and
// a flood of them would say nothing more than the count does.
func (c *Cache) backendError(ctx context.Context, op string, err error) {
	c.errs.Add(ctx, 1, c.attrs)
	now := time.Now().UnixNano()
	last := c.lastLog.Load()
	if now-last < int64(c.o.LogEvery) || !c.lastLog.CompareAndSwap(last, now) {
		c.suppressed.Add(1)
		return
	}
	c.log.WarnContext(ctx, "cache backend failed; serving from source",
		"op", op, "err", err, "suppressed", c.suppressed.Swap(0))
}

// EvictAsync invalidates keys without making the caller wait: a store's
// change notification must not block on Redis. The TTL covers an eviction
// that fails. An in-process backend never blocks, so its keys are deleted
// before EvictAsync returns, without a goroutine and a timer per change
// (ADR 0174: every create and update paid them).
func (c *Cache) EvictAsync(keys ...string) {
	if c.local {
		_ = c.Invalidate(context.Background(), keys...)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = c.Invalidate(ctx, keys...)
	}()
}
