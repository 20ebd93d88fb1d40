package cache

import (
	"context"

	"google.golang.org/protobuf/proto"
)

// The batch side of cache-aside: a caller that loads many keys in one
// call of its source (a service's batch read) looks each key up with
// LookupProto, loads the ones it missed together, and stores them through
// the Mark it took before its first look-up. Get's singleflight does not
// apply: a batch is one load already, and concurrent batches of one key
// only read it twice (ADR 0222).

// LookupProto returns the cached value of key, decoded into a message made
// by newT, without loading it: false on a miss, a backend failure or
// bytes that no longer decode (a schema change), each counted as Get
// counts them.
func LookupProto[T proto.Message](ctx context.Context, c *Cache, key string, newT func() T) (T, bool) {
	var zero T
	raw, ok, _ := c.lookup(ctx, c.o.Prefix+key)
	if !ok {
		c.misses.Add(ctx, 1, c.attrs)
		return zero, false
	}
	v := newT()
	if err := proto.Unmarshal(raw, v); err != nil {
		c.backendError(ctx, "decode", err)
		c.misses.Add(ctx, 1, c.attrs)
		return zero, false
	}
	c.hits.Add(ctx, 1, c.attrs)
	return v, true
}

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

// StoreProto stores v under key for the TTL, unless the cache was
// invalidated since m was taken. Backend errors are counted and logged,
// never returned: the caller has its value either way.
func (m Mark) StoreProto(ctx context.Context, key string, v proto.Message) {
	if m.c.gen.Load() != m.gen {
		return
	}
	b, err := proto.Marshal(v)
	if err != nil {
		m.c.backendError(ctx, "encode", err)
		return
	}
	m.c.set(ctx, m.c.o.Prefix+key, b)
}
