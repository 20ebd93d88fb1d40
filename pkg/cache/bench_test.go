package cache_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// BenchmarkGetHit measures a Get served from the cache.
func BenchmarkGetHit(b *testing.B) {
	for _, bk := range backends() {
		b.Run(bk.name, func(b *testing.B) {
			ctx := testutil.Context(b)
			c := cache.New(bk.new(b), cache.Options{Name: "bench"})
			val := make([]byte, 512)
			load := func(context.Context) ([]byte, error) { return val, nil }
			if _, err := c.Get(ctx, "hot", load); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := c.Get(ctx, "hot", load); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGetMiss measures a Get of a cold key: a backend read, the load
// (free here) and a backend write.
func BenchmarkGetMiss(b *testing.B) {
	for _, bk := range backends() {
		b.Run(bk.name, func(b *testing.B) {
			ctx := testutil.Context(b)
			c := cache.New(bk.new(b), cache.Options{Name: "bench"})
			val := make([]byte, 512)
			load := func(context.Context) ([]byte, error) { return val, nil }
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				if _, err := c.Get(ctx, "cold:"+strconv.Itoa(i), load); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGetRedisDown compares a cached read with Redis up (a hit), with
// Redis killed and the breaker open, with Redis killed and no breaker (every
// read waits out both backend timeouts), and with no cache at all (the
// loader alone). With the breaker open a read should cost about what the
// loader alone costs.
func BenchmarkGetRedisDown(b *testing.B) {
	val := make([]byte, 512)
	load := func(context.Context) ([]byte, error) { return val, nil }
	b.Run("no-cache", func(b *testing.B) {
		ctx := testutil.Context(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := load(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	run := func(b *testing.B, kill bool, o cache.Options) {
		ctx := testutil.Context(b)
		r := testutil.MustRedisServer(b)
		o.Name, o.Logger = "bench", slog.New(slog.DiscardHandler)
		c := cache.New(cache.NewRedis(mustRedisClient(b, r.Addr)), o)
		if _, err := c.Get(ctx, "hot", load); err != nil {
			b.Fatal(err)
		}
		if kill {
			r.Kill()
			for range 20 { // enough failures to open the breaker, if any
				if _, err := c.Get(ctx, "hot", load); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := c.Get(ctx, "hot", load); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("redis-up", func(b *testing.B) { run(b, false, cache.Options{}) })
	b.Run("redis-down-breaker", func(b *testing.B) { run(b, true, cache.Options{BreakerProbe: time.Hour}) })
	b.Run("redis-down-no-breaker", func(b *testing.B) { run(b, true, cache.Options{BreakerAfter: -1}) })
}
