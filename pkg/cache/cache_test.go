package cache_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/cache"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// backends returns one constructor per Backend implementation, so every
// contract test runs against the in-process cache and a real redis-server.
func backends() []struct {
	name string
	new  func(tb testing.TB) cache.Backend
} {
	return []struct {
		name string
		new  func(tb testing.TB) cache.Backend
	}{
		{"memory", func(testing.TB) cache.Backend { return cache.NewMemory(1000) }},
		{"redis", func(tb testing.TB) cache.Backend { return cache.NewRedis(mustRedisClient(tb, testutil.MustRedis(tb))) }},
	}
}

func mustRedisClient(tb testing.TB, addr string) *redis.Client {
	tb.Helper()
	c, err := cache.NewRedisClient("redis://" + addr)
	if err != nil {
		tb.Fatalf("redis client: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// metrics reads counters through a ManualReader, the way an exporter would.
type metrics struct {
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
}

func newMetrics(tb testing.TB) *metrics {
	r := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	tb.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return &metrics{reader: r, mp: mp}
}

// count returns the value of counter name for cache=cacheName, 0 if unseen.
func (m *metrics) count(tb testing.TB, name, cacheName string) int64 {
	tb.Helper()
	v, _ := valueFor(m.points(tb, name), cacheName)
	return v
}

// points collects the data points of instrument name, an int64 counter
// or gauge (nil if unseen): what count and gauge read.
func (m *metrics) points(tb testing.TB, name string) []metricdata.DataPoint[int64] {
	tb.Helper()
	var rm metricdata.ResourceMetrics
	if err := m.reader.Collect(context.Background(), &rm); err != nil {
		tb.Fatalf("collect: %v", err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, md := range sm.Metrics {
			if md.Name != name {
				continue
			}
			switch d := md.Data.(type) {
			case metricdata.Sum[int64]:
				return d.DataPoints
			case metricdata.Gauge[int64]:
				return d.DataPoints
			default:
				tb.Fatalf("%s is %T, want an int64 Sum or Gauge", name, md.Data)
			}
		}
	}
	return nil
}

// valueFor is the value of the point for cache=cacheName, and whether
// there is one.
func valueFor(points []metricdata.DataPoint[int64], cacheName string) (int64, bool) {
	for _, dp := range points {
		if v, ok := dp.Attributes.Value(attribute.Key("cache")); ok && v.AsString() == cacheName {
			return dp.Value, true
		}
	}
	return 0, false
}

func TestBackend_Contract(t *testing.T) {
	t.Parallel()
	for _, bk := range backends() {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			b := bk.new(t)
			ctx := testutil.Context(t)

			t.Run("absent", func(t *testing.T) {
				_, ok, err := b.Get(ctx, "absent")
				if err != nil || ok {
					t.Fatalf("Get(absent) ok=%v err=%v, want false nil", ok, err)
				}
			})

			t.Run("set get", func(t *testing.T) {
				if err := b.Set(ctx, "k1", []byte("v1"), time.Minute); err != nil {
					t.Fatalf("Set: %v", err)
				}
				got, ok, err := b.Get(ctx, "k1")
				if err != nil || !ok {
					t.Fatalf("Get ok=%v err=%v", ok, err)
				}
				if want := []byte("v1"); !bytes.Equal(got, want) {
					t.Fatalf("Get=%q, want %q", got, want)
				}
				// The returned bytes are the caller's: changing them changes
				// nothing stored.
				got[0] = 'X'
				again, _, _ := b.Get(ctx, "k1")
				if want := []byte("v1"); !bytes.Equal(again, want) {
					t.Fatalf("after mutating a result Get=%q, want %q", again, want)
				}
			})

			t.Run("overwrite", func(t *testing.T) {
				_ = b.Set(ctx, "k2", []byte("old"), time.Minute)
				_ = b.Set(ctx, "k2", []byte("new"), time.Minute)
				got, _, err := b.Get(ctx, "k2")
				if err != nil || string(got) != "new" {
					t.Fatalf("Get=%q err=%v, want new", got, err)
				}
			})

			t.Run("empty value is present", func(t *testing.T) {
				if err := b.Set(ctx, "empty", nil, time.Minute); err != nil {
					t.Fatalf("Set: %v", err)
				}
				got, ok, err := b.Get(ctx, "empty")
				if err != nil || !ok || len(got) != 0 {
					t.Fatalf("Get=%q ok=%v err=%v, want empty true nil", got, ok, err)
				}
			})

			t.Run("ttl expiry", func(t *testing.T) {
				if err := b.Set(ctx, "short", []byte("v"), 100*time.Millisecond); err != nil {
					t.Fatalf("Set: %v", err)
				}
				if err := b.Set(ctx, "long", []byte("v"), time.Hour); err != nil {
					t.Fatalf("Set: %v", err)
				}
				testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
					if _, ok, err := b.Get(ctx, "short"); err != nil || ok {
						return fmt.Errorf("short still present (ok=%v err=%v)", ok, err)
					}
					return nil
				})
				if _, ok, err := b.Get(ctx, "long"); err != nil || !ok {
					t.Fatalf("long ok=%v err=%v, want present", ok, err)
				}
			})

			t.Run("delete", func(t *testing.T) {
				for _, k := range []string{"d1", "d2", "d3"} {
					_ = b.Set(ctx, k, []byte(k), time.Minute)
				}
				if err := b.Delete(ctx, "d1", "d2", "never-set"); err != nil {
					t.Fatalf("Delete: %v", err)
				}
				if err := b.Delete(ctx); err != nil {
					t.Fatalf("Delete(): %v", err)
				}
				for k, want := range map[string]bool{"d1": false, "d2": false, "d3": true} {
					if _, ok, err := b.Get(ctx, k); err != nil || ok != want {
						t.Fatalf("Get(%s) ok=%v err=%v, want %v", k, ok, err, want)
					}
				}
				if err := b.Delete(ctx, "d3"); err != nil {
					t.Fatalf("Delete(d3): %v", err)
				}
				if _, ok, _ := b.Get(ctx, "d3"); ok {
					t.Fatal("d3 present after single-key Delete")
				}
			})

			t.Run("concurrent use", func(t *testing.T) {
				var wg sync.WaitGroup
				for i := range 8 {
					wg.Go(func() {
						for j := range 50 {
							k := "c" + strconv.Itoa(j%5)
							_ = b.Set(ctx, k, []byte(strconv.Itoa(i)), time.Minute)
							if _, _, err := b.Get(ctx, k); err != nil {
								t.Errorf("Get: %v", err)
							}
							if j%10 == 0 {
								_ = b.Delete(ctx, k)
							}
						}
					})
				}
				wg.Wait()
			})
		})
	}
}

// countingBackend counts Get calls on a real backend, so a test can tell
// when every caller has missed.
type countingBackend struct {
	cache.Backend
	gets atomic.Int64
}

func (c *countingBackend) Get(ctx context.Context, key string) ([]byte, bool, error) {
	c.gets.Add(1)
	return c.Backend.Get(ctx, key)
}

// contractTimeout is generous: the contract tests check behaviour, and a
// loaded CI machine under -race must not turn a slow reply into a miss.
// TestCache_RedisSlow covers the timeout.
const contractTimeout = 5 * time.Second

func TestCache_Contract(t *testing.T) {
	t.Parallel()
	for _, bk := range backends() {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			b := bk.new(t)

			t.Run("singleflight", func(t *testing.T) {
				t.Parallel()
				ctx := testutil.Context(t)
				cb := &countingBackend{Backend: b}
				m := newMetrics(t)
				c := cache.New(cb, cache.Options{Timeout: contractTimeout, Name: "sf", Prefix: "sf:", MeterProvider: m.mp})
				const n = 100
				var loads atomic.Int64
				release := make(chan struct{})
				load := func(context.Context) ([]byte, error) {
					loads.Add(1)
					<-release
					return []byte("loaded"), nil
				}
				var wg sync.WaitGroup
				results := make(chan string, n)
				for range n {
					wg.Go(func() {
						v, err := c.Get(ctx, "cold", load)
						if err != nil {
							t.Errorf("Get: %v", err)
						}
						results <- string(v)
					})
				}
				// Every caller has missed (n Gets) and the one flight has
				// looked again and started loading (+1): all n now wait on
				// that flight. Without singleflight, n loads would run.
				testutil.CheckFor(t, 10*time.Second, time.Millisecond, func() error {
					if g, l := cb.gets.Load(), loads.Load(); g != n+1 || l != 1 {
						return fmt.Errorf("backend gets=%d loads=%d, want %d and 1", g, l, n+1)
					}
					return nil
				})
				close(release)
				wg.Wait()
				close(results)
				for v := range results {
					if v != "loaded" {
						t.Fatalf("Get=%q, want loaded", v)
					}
				}
				if got := loads.Load(); got != 1 {
					t.Fatalf("load called %d times, want 1", got)
				}
				// Each Get counts once: a miss, or a hit when its read
				// reached Redis after the flight stored the value.
				hits, misses := m.count(t, "cache.hits", "sf"), m.count(t, "cache.misses", "sf")
				if hits+misses != n || misses < 1 {
					t.Fatalf("hits=%d misses=%d, want %d in all and a miss", hits, misses, n)
				}
				// Now it is cached.
				v, err := c.Get(ctx, "cold", load)
				if err != nil || string(v) != "loaded" || loads.Load() != 1 {
					t.Fatalf("warm Get=%q err=%v loads=%d, want a hit", v, err, loads.Load())
				}
				if got := m.count(t, "cache.hits", "sf"); got != hits+1 {
					t.Fatalf("hits=%d, want %d", got, hits+1)
				}
			})

			t.Run("load error not cached", func(t *testing.T) {
				t.Parallel()
				ctx := testutil.Context(t)
				c := cache.New(b, cache.Options{Timeout: contractTimeout, Name: "le", Prefix: "le:"})
				boom := errors.New("source down")
				_, err := c.Get(ctx, "k", func(context.Context) ([]byte, error) { return nil, boom })
				if !errors.Is(err, boom) {
					t.Fatalf("Get err=%v, want %v", err, boom)
				}
				calls := 0
				v, err := c.Get(ctx, "k", func(context.Context) ([]byte, error) {
					calls++
					return []byte("ok"), nil
				})
				if err != nil || string(v) != "ok" || calls != 1 {
					t.Fatalf("second Get=%q err=%v calls=%d, want ok nil 1", v, err, calls)
				}
			})

			t.Run("ttl", func(t *testing.T) {
				t.Parallel()
				ctx := testutil.Context(t)
				c := cache.New(b, cache.Options{Timeout: contractTimeout, Name: "ttl", Prefix: "ttl:", TTL: 100 * time.Millisecond})
				var loads atomic.Int64
				load := func(context.Context) ([]byte, error) {
					return []byte(strconv.FormatInt(loads.Add(1), 10)), nil
				}
				if v, _ := c.Get(ctx, "k", load); string(v) != "1" {
					t.Fatalf("Get=%q, want 1", v)
				}
				testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
					if v, _ := c.Get(ctx, "k", load); string(v) == "1" {
						return errors.New("value not expired yet")
					}
					return nil
				})
			})

			t.Run("invalidate", func(t *testing.T) {
				t.Parallel()
				ctx := testutil.Context(t)
				c := cache.New(b, cache.Options{Timeout: contractTimeout, Name: "inv", Prefix: "inv:"})
				var loads atomic.Int64
				load := func(context.Context) ([]byte, error) {
					return []byte(strconv.FormatInt(loads.Add(1), 10)), nil
				}
				_, _ = c.Get(ctx, "a", load)
				_, _ = c.Get(ctx, "b", load)
				if err := c.Invalidate(ctx, "a", "b"); err != nil {
					t.Fatalf("Invalidate: %v", err)
				}
				_, _ = c.Get(ctx, "a", load)
				_, _ = c.Get(ctx, "b", load)
				if got := loads.Load(); got != 4 {
					t.Fatalf("loads=%d, want 4 (both keys reloaded)", got)
				}
				// The prefix is applied: the backend holds inv:a, not a.
				if _, ok, _ := b.Get(ctx, "inv:a"); !ok {
					t.Fatal("backend has no inv:a")
				}
			})

			t.Run("invalidate during load", func(t *testing.T) {
				t.Parallel()
				ctx := testutil.Context(t)
				c := cache.New(b, cache.Options{Timeout: contractTimeout, Name: "race", Prefix: "race:"})
				started, release := make(chan struct{}), make(chan struct{})
				done := make(chan []byte)
				go func() {
					v, _ := c.Get(ctx, "k", func(context.Context) ([]byte, error) {
						close(started)
						<-release
						return []byte("stale"), nil
					})
					done <- v
				}()
				<-started
				// The record changes (or is erased) while the load runs.
				if err := c.Invalidate(ctx, "k"); err != nil {
					t.Fatalf("Invalidate: %v", err)
				}
				close(release)
				if v := <-done; string(v) != "stale" {
					t.Fatalf("first Get=%q, want stale (its own load)", v)
				}
				v, err := c.Get(ctx, "k", func(context.Context) ([]byte, error) { return []byte("fresh"), nil })
				if err != nil || string(v) != "fresh" {
					t.Fatalf("Get after invalidation=%q err=%v, want fresh: the stale load was stored", v, err)
				}
			})

			t.Run("caller cancelled while waiting", func(t *testing.T) {
				t.Parallel()
				ctx := testutil.Context(t)
				c := cache.New(b, cache.Options{Timeout: contractTimeout, Name: "cancel", Prefix: "cancel:"})
				started, release := make(chan struct{}), make(chan struct{})
				leader := make(chan []byte)
				go func() {
					v, _ := c.Get(ctx, "k", func(context.Context) ([]byte, error) {
						close(started)
						<-release
						return []byte("v"), nil
					})
					leader <- v
				}()
				<-started
				wctx, cancel := context.WithCancel(ctx)
				cancel()
				if _, err := c.Get(wctx, "k", nil); !errors.Is(err, context.Canceled) {
					t.Fatalf("cancelled Get err=%v, want context.Canceled", err)
				}
				close(release)
				if v := <-leader; string(v) != "v" {
					t.Fatalf("leader Get=%q, want v", v)
				}
			})

			t.Run("proto", func(t *testing.T) {
				t.Parallel()
				ctx := testutil.Context(t)
				c := cache.New(b, cache.Options{Timeout: contractTimeout, Name: "proto", Prefix: "proto:"})
				want := &benchv1.EchoRequest{Payload: []byte("hello")}
				loads := 0
				load := func(context.Context) (*benchv1.EchoRequest, error) {
					loads++
					return want, nil
				}
				newT := func() *benchv1.EchoRequest { return new(benchv1.EchoRequest) }
				for i := range 2 {
					got, err := cache.GetProto(ctx, c, "k", newT, load)
					if err != nil {
						t.Fatalf("GetProto #%d: %v", i, err)
					}
					if !proto.Equal(got, want) {
						t.Fatalf("GetProto #%d=%v, want %v", i, got, want)
					}
				}
				if loads != 1 {
					t.Fatalf("loads=%d, want 1", loads)
				}
				// Bytes that do not decode are reloaded, not returned.
				if err := b.Set(ctx, "proto:bad", []byte{0xff, 0xff}, time.Minute); err != nil {
					t.Fatalf("Set: %v", err)
				}
				got, err := cache.GetProto(ctx, c, "bad", newT, load)
				if err != nil || !proto.Equal(got, want) || loads != 2 {
					t.Fatalf("GetProto(bad)=%v err=%v loads=%d, want reload", got, err, loads)
				}
			})
		})
	}
}
