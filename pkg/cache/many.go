package cache

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"
)

// The batch side of cache-aside: a caller that loads many keys in one
// call of its source (a service's batch read) looks them up with
// LookupProtos, loads the ones it missed together, and stores them through
// the Mark it took before its look-ups (StoreProtos). Get's singleflight
// does not apply: a batch is one load already, and concurrent batches of
// one key only read it twice (ADR 0222).

// Mark is a point in a Cache's invalidations, taken before a batch's
// look-ups: values loaded after it are stored only while no Invalidate
// has come since, because a load that overlapped an invalidation may have
// read what was erased or changed (as Get's own loads).
type Mark struct {
	c   *Cache
	gen uint64
}

// Mark returns the point from which values loaded now may be stored.
func (c *Cache) Mark() Mark { return Mark{c: c, gen: c.gen.Load()} }

// batchBackend is implemented by backends that read or write many keys in
// one round trip (Redis: one pipeline); a batch on any other backend is
// its keys one at a time. A page of 200 names looked up one GET at a time
// cost 200 round trips, more than the batch read they saved (ADR 0222).
type batchBackend interface {
	// GetMany returns the values of keys in order, nil for one absent.
	GetMany(ctx context.Context, keys []string) ([][]byte, error)
	// SetMany stores vals[i] under keys[i] for ttl.
	SetMany(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error
}

// GetMany implements batchBackend: one GET per key in one pipeline, so a
// cluster client sends each to the node that owns it (MGET across slots
// is refused with CROSSSLOT).
func (r *redisBackend) GetMany(ctx context.Context, keys []string) ([][]byte, error) {
	cmds := make([]*redis.StringCmd, len(keys))
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.Get(ctx, k)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, err
	}
	out := make([][]byte, len(keys))
	for i, c := range cmds {
		v, err := c.Bytes()
		switch {
		case errors.Is(err, redis.Nil):
		case err != nil:
			return nil, err
		default:
			out[i] = v
		}
	}
	return out, nil
}

// SetMany implements batchBackend, one SET per key in one pipeline.
func (r *redisBackend) SetMany(ctx context.Context, keys []string, vals [][]byte, ttl time.Duration) error {
	_, err := r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			p.Set(ctx, k, vals[i], ttl)
		}
		return nil
	})
	return err
}

// LookupProtos returns the cached values of keys, without loading them,
// in one round trip of the backend: the values found, decoded, by key; a key missed, failed or no
// longer decoding is absent, each counted as Get counts it.
func LookupProtos[T proto.Message](ctx context.Context, c *Cache, keys []string, newT func() T) map[string]T {
	out, _ := LookupProtosOrAbsent(ctx, c, keys, newT)
	return out
}

// LookupProtosOrAbsent is LookupProtos that also says which keys the
// cache remembers as keys of nothing (Options.Absent): absent holds
// them, and the caller answers them as its load would have, without
// loading (ADR 0235). Without Options.Absent it is always empty.
func LookupProtosOrAbsent[T proto.Message](ctx context.Context, c *Cache, keys []string, newT func() T) (found map[string]T, absent map[string]bool) {
	out := make(map[string]T, len(keys))
	absent = map[string]bool{}
	if len(keys) == 0 {
		return out, absent
	}
	raws := c.lookupMany(ctx, keys)
	for i, k := range keys {
		if raws[i] == nil {
			c.misses.Add(ctx, 1, c.attrs)
			continue
		}
		if c.isAbsent(raws[i]) {
			c.hits.Add(ctx, 1, c.attrs)
			standIn(raws[i], newT)
			absent[k] = true
			continue
		}
		v := newT()
		if err := proto.Unmarshal(raws[i], v); err != nil {
			c.backendError(ctx, "decode", err)
			c.misses.Add(ctx, 1, c.attrs)
			continue
		}
		c.hits.Add(ctx, 1, c.attrs)
		out[k] = v
	}
	return out, absent
}

// lookupMany reads keys (without the prefix) from the backend, nil for
// each not found or when the backend failed.
func (c *Cache) lookupMany(ctx context.Context, keys []string) [][]byte {
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = c.o.Prefix + k
	}
	bb, ok := c.b.(batchBackend)
	if !ok {
		out := make([][]byte, len(keys))
		for i, k := range full {
			out[i], _, _ = c.lookup(ctx, k)
		}
		return out
	}
	if !c.br.allow() {
		c.skips.Add(ctx, int64(len(keys)), c.attrs)
		return make([][]byte, len(keys))
	}
	bctx, cancel := c.callContext(ctx)
	defer cancel()
	vals, err := bb.GetMany(bctx, full)
	if err != nil {
		if ctx.Err() == nil {
			c.backendFailed(ctx, "get", err)
		}
		return make([][]byte, len(keys))
	}
	c.br.success()
	return vals
}

// StoreProtos stores vals, by key, for the TTL, in one round trip of the
// backend, unless the cache was invalidated since m was taken. Backend
// errors are counted and logged, never returned: the caller has its
// values either way.
func (m Mark) StoreProtos(ctx context.Context, vals map[string]proto.Message) {
	m.Store(ctx, vals, nil)
}

// Store is StoreProtos that also remembers absent, keys the loads found
// nothing under (Options.Absent), in the same round trip. Without
// Options.Absent they are not stored.
func (m Mark) Store(ctx context.Context, vals map[string]proto.Message, absent []string) {
	c := m.c
	if c.o.Absent == nil {
		absent = nil
	}
	if len(vals)+len(absent) == 0 || c.gen.Load() != m.gen {
		return
	}
	keys := make([]string, 0, len(vals)+len(absent))
	raws := make([][]byte, 0, len(vals)+len(absent))
	for k, v := range vals {
		b, err := proto.Marshal(v)
		if err != nil {
			c.backendError(ctx, "encode", err)
			continue
		}
		keys, raws = append(keys, c.o.Prefix+k), append(raws, b)
	}
	for _, k := range absent {
		keys, raws = append(keys, c.o.Prefix+k), append(raws, c.absent)
	}
	bb, ok := c.b.(batchBackend)
	if !ok {
		for i, k := range keys {
			c.set(ctx, k, raws[i])
		}
		return
	}
	if !c.br.allow() {
		c.skips.Add(ctx, 1, c.attrs)
		return
	}
	bctx, cancel := c.callContext(ctx)
	defer cancel()
	if err := bb.SetMany(bctx, keys, raws, c.o.TTL); err != nil {
		c.backendFailed(ctx, "set", err)
		return
	}
	c.br.success()
}
