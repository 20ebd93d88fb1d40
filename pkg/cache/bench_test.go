package cache_test

import (
	"context"
	"strconv"
	"testing"

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
