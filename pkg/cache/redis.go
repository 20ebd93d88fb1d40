package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	"github.com/redis/go-redis/v9"
)

// redisBackend stores values as plain Redis strings with PX expiry.
type redisBackend struct {
	c redis.UniversalClient
}

// NewRedis returns a Backend over c (a single node, cluster or sentinel
// client). The caller owns c and closes it.
//
// Two client settings matter. ContextTimeoutEnabled must be true, or
// go-redis ignores the per-call deadline that keeps a slow Redis from
// stalling requests (it then waits ReadTimeout, 3s by default). And spans
// come from redisotel: redisotel.InstrumentTracing(client) and
// redisotel.InstrumentMetrics(client), with redisotel.WithDBStatement(false)
// so cached values (personal data) never land in span attributes.
// NewRedisClient does all of this.
func NewRedis(c redis.UniversalClient) Backend {
	return &redisBackend{c: c}
}

// NewRedisClient parses a REDIS_URL style URL
// (redis://[user:password@]host:port/db?dial_timeout=1s, rediss:// for TLS,
// unix:///path) and returns a client instrumented with redisotel tracing
// and metrics through the global providers. Spans carry the command name,
// not its arguments, because values hold personal data. It enables
// ContextTimeoutEnabled so Options.Timeout bounds each call.
func NewRedisClient(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		// The URL may hold a password: do not echo it.
		return nil, errors.New("cache: invalid redis URL")
	}
	opt.ContextTimeoutEnabled = true
	routeRedisLog()
	c := redis.NewClient(opt)
	if err := redisotel.InstrumentTracing(c,
		redisotel.WithDBStatement(false),
		redisotel.WithCallerEnabled(false)); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("cache: redis tracing: %w", err)
	}
	if err := redisotel.InstrumentMetrics(c); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("cache: redis metrics: %w", err)
	}
	return c, nil
}

// Get implements Backend.
func (r *redisBackend) Get(ctx context.Context, key string) ([]byte, bool, error) {
	val, err := r.c.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return val, true, nil
}

// Set implements Backend.
func (r *redisBackend) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl < 0 {
		ttl = 0 // go-redis reads -1 as KEEPTTL; the contract says no expiry
	}
	return r.c.Set(ctx, key, val, ttl).Err()
}

// Delete implements Backend. Each key is its own DEL in one pipeline, so a
// cluster client can send them to the nodes that own them (a multi-key DEL
// across slots is refused with CROSSSLOT).
func (r *redisBackend) Delete(ctx context.Context, keys ...string) error {
	switch len(keys) {
	case 0:
		return nil
	case 1:
		return r.c.Del(ctx, keys[0]).Err()
	}
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	return err
}

// routeRedisLog sends go-redis's own log lines through slog, once per
// process (the client keeps one logger for all its clients).
var routeRedisLog = sync.OnceFunc(func() { redis.SetLogger(slogLogging{}) })

// slogLogging writes go-redis's own lines (a dial that failed while Redis
// is down, a connection a hook rejected) as the process's JSON log lines
// at WARN. By default the client prints them as plain text to stderr,
// which a pipeline that reads the services' JSON misreads or drops (the
// chaos round found 20 per process per Redis outage, ADR 0134). Its
// lines name addresses, counts and errors, never keys or values.
type slogLogging struct{}

// Printf implements go-redis's Logging.
func (slogLogging) Printf(ctx context.Context, format string, v ...any) {
	slog.WarnContext(ctx, "cache: redis client", "detail", fmt.Sprintf(format, v...))
}
