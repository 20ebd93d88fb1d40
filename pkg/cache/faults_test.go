package cache_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func TestCache_LoadPanicReachesCaller(t *testing.T) {
	t.Parallel()
	c := cache.New(cache.NewMemory(10), cache.Options{Name: "panic"})
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("Get did not re-panic in the caller")
		}
	}()
	_, _ = c.Get(testutil.Context(t), "k", func(context.Context) ([]byte, error) { panic("bug") })
}

func TestCache_RedisDown(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	// Nothing listens on a port that was just free: every call is refused,
	// as after Redis dies.
	rc := mustRedisClient(t, fmt.Sprintf("127.0.0.1:%d", testutil.FreePort(t)))
	m := newMetrics(t)
	var logs testutil.LogBuffer
	c := cache.New(cache.NewRedis(rc), cache.Options{
		Name:          "down",
		MeterProvider: m.mp,
		Logger:        slog.New(slog.NewTextHandler(&logs, nil)),
	})
	const key = "participant:0198c2a0-0000-7000-8000-000000000001"
	loads := 0
	for i := range 3 {
		v, err := c.Get(ctx, key, func(context.Context) ([]byte, error) {
			loads++
			return []byte("from source"), nil
		})
		if err != nil || string(v) != "from source" {
			t.Fatalf("Get #%d=%q err=%v, want the loaded value", i, v, err)
		}
	}
	if loads != 3 {
		t.Fatalf("loads=%d, want 3 (nothing can be cached)", loads)
	}
	// Each Get fails one backend read and one write.
	if got, want := m.count(t, "cache.errors", "down"), int64(6); got != want {
		t.Fatalf("cache.errors=%d, want %d", got, want)
	}
	if got, want := m.count(t, "cache.misses", "down"), int64(3); got != want {
		t.Fatalf("cache.misses=%d, want %d", got, want)
	}
	if err := c.Invalidate(ctx, key); err == nil {
		t.Fatal("Invalidate with Redis down returned nil")
	}
	if got, want := m.count(t, "cache.errors", "down"), int64(7); got != want {
		t.Fatalf("cache.errors after Invalidate=%d, want %d", got, want)
	}
	out := logs.String()
	if got := strings.Count(out, "cache backend failed"); got != 1 {
		t.Fatalf("logged %d times, want once per interval:\n%s", got, out)
	}
	if strings.Contains(out, "0198c2a0") {
		t.Fatalf("log names the key:\n%s", out)
	}
}

func TestCache_RedisSlow(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	addr := testutil.MustRedis(t)
	// Socket timeouts beyond the pause, so only Options.Timeout can cut
	// the wait short.
	rc := mustRedisClient(t, addr+"?read_timeout=30s&write_timeout=30s")
	m := newMetrics(t)
	c := cache.New(cache.NewRedis(rc), cache.Options{
		Name: "slow", MeterProvider: m.mp, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err := rc.Set(ctx, "k", "cached", time.Minute).Err(); err != nil {
		t.Fatalf("seed: %v", err)
	}
	// A real Redis that stops answering: CLIENT PAUSE holds every client's
	// commands for 20s (the server is killed at cleanup). Without the
	// per-call timeout, Get would wait and then return "cached".
	admin := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = admin.Close() })
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "20000", "ALL").Err(); err != nil {
		t.Fatalf("CLIENT PAUSE: %v", err)
	}
	v, err := c.Get(ctx, "k", func(context.Context) ([]byte, error) { return []byte("from source"), nil })
	if err != nil || string(v) != "from source" {
		t.Fatalf("Get=%q err=%v, want the loaded value", v, err)
	}
	// The read and the write of the loaded value both timed out.
	if got, want := m.count(t, "cache.errors", "slow"), int64(2); got != want {
		t.Fatalf("cache.errors=%d, want %d", got, want)
	}
}
