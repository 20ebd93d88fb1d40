package cache

import (
	"bytes"
	"container/list"
	"context"
	"sync"
	"time"
)

// DefaultMaxEntries bounds a Memory backend made with maxEntries <= 0.
const DefaultMaxEntries = 10_000

// memory is an in-process Backend: a map plus a recency list, so the least
// recently used entry goes first when the cache is full, and a per-entry
// expiry checked on read. Expired entries that are never read again leave
// through eviction, so memory stays bounded by maxEntries.
type memory struct {
	max int
	now func() time.Time

	mu    sync.Mutex // guards items and order
	items map[string]*list.Element
	order *list.List // of *entry, most recently used first
}

type entry struct {
	key     string
	val     []byte
	expires time.Time // zero: never
	// obj is val decoded, attached by GetProtoShared so later in-process
	// hits skip decoding; it goes with the entry on Set, Delete or expiry.
	obj any
}

// NewMemory returns an in-process Backend holding at most maxEntries values
// (DefaultMaxEntries when maxEntries <= 0). It behaves as Redis does for
// the cache: values expire after their TTL, Delete removes them, and the
// bytes stored and returned are copies, so no caller can change another's.
// It is the cache of the embedded run mode, when REDIS_URL is unset.
func NewMemory(maxEntries int) Backend {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	return &memory{
		max:   maxEntries,
		now:   time.Now,
		items: make(map[string]*list.Element),
		order: list.New(),
	}
}

func (*memory) local() {}

// Get implements Backend.
func (m *memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.items[key]
	if !ok {
		return nil, false, nil
	}
	e := el.Value.(*entry)
	if !e.expires.IsZero() && !m.now().Before(e.expires) {
		m.remove(el)
		return nil, false, nil
	}
	m.order.MoveToFront(el)
	return bytes.Clone(e.val), true, nil
}

// Set implements Backend.
func (m *memory) Set(_ context.Context, key string, val []byte, ttl time.Duration) error {
	e := &entry{key: key, val: bytes.Clone(val)}
	if e.val == nil {
		e.val = []byte{} // a stored empty value is present, not absent
	}
	if ttl > 0 {
		e.expires = m.now().Add(ttl)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.items[key]; ok {
		el.Value = e
		m.order.MoveToFront(el)
		return nil
	}
	m.items[key] = m.order.PushFront(e)
	for m.order.Len() > m.max {
		m.remove(m.order.Back())
	}
	return nil
}

// Delete implements Backend.
func (m *memory) Delete(_ context.Context, keys ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		if el, ok := m.items[k]; ok {
			m.remove(el)
		}
	}
	return nil
}

func (m *memory) remove(el *list.Element) {
	m.order.Remove(el)
	delete(m.items, el.Value.(*entry).key)
}

// getDecoded returns the decoded value attached to key, if any.
func (m *memory) getDecoded(key string) (any, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	el, ok := m.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	if e.obj == nil || (!e.expires.IsZero() && !m.now().Before(e.expires)) {
		return nil, false
	}
	m.order.MoveToFront(el)
	return e.obj, true
}

// attachDecoded attaches obj to key's entry if the entry still holds val,
// so a value decoded from older bytes is never served for newer ones.
func (m *memory) attachDecoded(key string, val []byte, obj any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if el, ok := m.items[key]; ok {
		if e := el.Value.(*entry); bytes.Equal(e.val, val) {
			e.obj = obj
		}
	}
}
