package account

import (
	"sync"
	"time"
)

// Limiter is a token bucket per key (an address, an e-mail): Burst
// attempts at once, then one every Every. It slows password guessing on one
// account and from one address without locking anyone out for long. It
// lives in the process: each replica limits on its own, which multiplies
// the rate by the replica count but needs no shared state (ADR 0017).
type Limiter struct {
	Burst int
	Every time.Duration
	now   func() time.Time

	mu      sync.Mutex // guards buckets
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxBuckets bounds the map: past it, full (idle) buckets are dropped.
const maxBuckets = 100_000

// NewLimiter returns a Limiter; now is the clock (time.Now in production).
func NewLimiter(burst int, every time.Duration, now func() time.Time) *Limiter {
	return &Limiter{Burst: burst, Every: every, now: now, buckets: map[string]*bucket{}}
}

// Allow takes one attempt from key's bucket and reports whether there was
// one; when not, retry says how long until there is.
func (l *Limiter) Allow(key string) (ok bool, retry time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets {
			l.prune(now)
		}
		b = &bucket{tokens: float64(l.Burst), last: now}
		l.buckets[key] = b
	}
	b.tokens = min(float64(l.Burst), b.tokens+float64(now.Sub(b.last))/float64(l.Every))
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(l.Every))
	}
	b.tokens--
	return true, 0
}

func (l *Limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+float64(now.Sub(b.last))/float64(l.Every) >= float64(l.Burst) {
			delete(l.buckets, k)
		}
	}
}
