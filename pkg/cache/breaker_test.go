package cache_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// gauge returns the value of gauge name for cache=cacheName, -1 if unseen.
func (m *metrics) gauge(tb testing.TB, name, cacheName string) int64 {
	tb.Helper()
	if v, ok := valueFor(m.points(tb, name), cacheName); ok {
		return v
	}
	return -1
}

// breakerCache is a Redis cache with a breaker that opens after three
// failures and probes often, so tests need not wait.
func breakerCache(t *testing.T, addr, name string) (*cache.Cache, *metrics) {
	t.Helper()
	m := newMetrics(t)
	c := cache.New(cache.NewRedis(mustRedisClient(t, addr)), cache.Options{
		Name: name, Prefix: name + ":", TTL: time.Hour, MeterProvider: m.mp,
		BreakerAfter: 3, BreakerProbe: 20 * time.Millisecond,
		// A second, not the 50 ms default: on a loaded CI machine a live
		// Redis under -race missed 50 ms and the first read's fill was lost
		// (hits=0 before Redis died). A dead Redis refuses at once; a paused
		// one costs this once before the breaker opens.
		Timeout: time.Second,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	return c, m
}

// source is a loader whose value the test changes, counting its loads.
type source struct {
	val   atomic.Value
	loads atomic.Int64
}

func newSource(v string) *source {
	s := &source{}
	s.val.Store(v)
	return s
}

func (s *source) load(context.Context) ([]byte, error) {
	s.loads.Add(1)
	return []byte(s.val.Load().(string)), nil
}

func wantGet(t *testing.T, c *cache.Cache, key string, src *source, want string) {
	t.Helper()
	got, err := c.Get(testutil.Context(t), key, src.load)
	if err != nil || string(got) != want {
		t.Fatalf("Get(%s)=%q err=%v, want %q", key, got, err, want)
	}
}

// TestBreaker_RedisKilled: with Redis dead the breaker opens after a few
// failures, reads are served from the source without calling Redis at
// all, and when Redis comes back the cache uses it again.
func TestBreaker_RedisKilled(t *testing.T) {
	t.Parallel()
	r := testutil.MustRedisServer(t)
	c, m := breakerCache(t, r.Addr, "killed")
	src := newSource("v1")
	wantGet(t, c, "k", src, "v1")
	wantGet(t, c, "k", src, "v1")
	if got := m.count(t, "cache.hits", "killed"); got != 1 {
		t.Fatalf("hits=%d, want 1 before Redis dies", got)
	}
	if got := m.gauge(t, "cache.breaker.open", "killed"); got != 0 {
		t.Fatalf("cache.breaker.open=%d with Redis up, want 0", got)
	}

	r.Kill()
	for i := 0; m.gauge(t, "cache.breaker.open", "killed") != 1; i++ {
		if i == 10 {
			t.Fatalf("breaker still closed after %d reads with Redis dead; errors=%d", i, m.count(t, "cache.errors", "killed"))
		}
		wantGet(t, c, "k", src, "v1")
	}
	// Open: reads come from the source and Redis is not called.
	errs, loads := m.count(t, "cache.errors", "killed"), src.loads.Load()
	for range 100 {
		wantGet(t, c, "k", src, "v1")
	}
	if got := m.count(t, "cache.errors", "killed"); got != errs {
		t.Fatalf("cache.errors rose from %d to %d while the breaker was open: Redis was still called", errs, got)
	}
	if got := src.loads.Load() - loads; got != 100 {
		t.Fatalf("%d loads for 100 reads while open, want 100", got)
	}
	if got := m.count(t, "cache.bypassed", "killed"); got < 200 {
		t.Fatalf("cache.bypassed=%d, want at least 200 (a read and a write per Get)", got)
	}

	r.Restart()
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if g := m.gauge(t, "cache.breaker.open", "killed"); g != 0 {
			return fmt.Errorf("cache.breaker.open=%d after Redis came back", g)
		}
		return nil
	})
	hits := m.count(t, "cache.hits", "killed")
	wantGet(t, c, "k2", src, "v1")
	wantGet(t, c, "k2", src, "v1")
	if got := m.count(t, "cache.hits", "killed"); got != hits+1 {
		t.Fatalf("hits=%d, want %d: Redis not used again after it came back", got, hits+1)
	}
}

// TestBreaker_RedisPaused: a Redis that hangs (SIGSTOP) opens the breaker
// through timeouts; an invalidation made meanwhile is delivered when it
// resumes, so the old value it still holds is never served.
func TestBreaker_RedisPaused(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	r := testutil.MustRedisServer(t)
	c, m := breakerCache(t, r.Addr, "paused")
	src := newSource("old")
	wantGet(t, c, "k", src, "old") // now cached in Redis

	r.Pause()
	src.val.Store("new")
	err := c.Invalidate(ctx, "k")
	if err == nil {
		t.Fatal("Invalidate with Redis paused returned nil")
	}
	// The failed delete alone opens the breaker: Redis may hold "old".
	if got := m.gauge(t, "cache.breaker.open", "paused"); got != 1 {
		t.Fatalf("cache.breaker.open=%d after a failed invalidation, want 1", got)
	}
	errs := m.count(t, "cache.errors", "paused")
	for range 20 {
		wantGet(t, c, "k", src, "new")
	}
	if err := c.Invalidate(ctx, "k"); !errors.Is(err, cache.ErrBypassed) {
		t.Fatalf("Invalidate while open = %v, want ErrBypassed", err)
	}
	if got := m.count(t, "cache.errors", "paused"); got != errs {
		t.Fatalf("cache.errors rose from %d to %d while open", errs, got)
	}

	r.Resume()
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if g := m.gauge(t, "cache.breaker.open", "paused"); g != 0 {
			return fmt.Errorf("cache.breaker.open=%d after Redis resumed", g)
		}
		return nil
	})
	raw := redis.NewClient(&redis.Options{Addr: r.Addr})
	t.Cleanup(func() { _ = raw.Close() })
	if v, err := raw.Get(ctx, "paused:k").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("Redis still holds %q (err %v) after resuming: the invalidation was lost", v, err)
	}
	wantGet(t, c, "k", src, "new")
	wantGet(t, c, "k", src, "new")
}

// TestBreaker_Disabled keeps calling a dead Redis when BreakerAfter < 0.
func TestBreaker_Disabled(t *testing.T) {
	t.Parallel()
	m := newMetrics(t)
	c := cache.New(cache.NewRedis(mustRedisClient(t, fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t)))), cache.Options{
		Name: "off", MeterProvider: m.mp, BreakerAfter: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	src := newSource("v")
	for range 5 {
		wantGet(t, c, "k", src, "v")
	}
	if got := m.count(t, "cache.errors", "off"); got != 10 {
		t.Fatalf("cache.errors=%d, want 10 (every call tried)", got)
	}
	if got := m.gauge(t, "cache.breaker.open", "off"); got != 0 {
		t.Fatalf("cache.breaker.open=%d, want 0", got)
	}
}
