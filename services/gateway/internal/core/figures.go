package core

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// figuresTTL is how long computed figures serve a scope. The dashboard
// and the reports read every record of a scope, which costs seconds at
// 20,000 newcomers; counts a few seconds old serve a coordinator as well
// (issue 12: list and report pages within 150 ms at p95). A write through
// this gateway forgets them at once (see wrote), so a coordinator sees
// their own change; others' changes show within the TTL.
const figuresTTL = 10 * time.Second

// figures caches computed figures (counts only, never a person) per
// caller scope and kind. The zero value is ready to use.
type figures struct {
	gen atomic.Int64 // bumped by every write through this gateway
	mu  sync.Mutex
	m   map[string]figureEntry
	// inflight makes concurrent misses of one key compute once.
	inflight map[string]*sync.WaitGroup
}

type figureEntry struct {
	at  time.Time
	gen int64
	v   any
}

// wrote forgets every cached figure: the caller changed something.
func (f *figures) wrote() { f.gen.Add(1) }

// scopeKey names what a caller may see: role, organisation and
// municipalities, so two coordinators of one scope share figures and no
// caller sees another scope's.
func scopeKey(c Caller, kind string) string {
	munis := slices.Clone(c.User.GetMunicipalityCodes())
	slices.Sort(munis)
	return fmt.Sprintf("%s|%d|%s|%s", kind, c.User.GetRole(), c.User.GetOrganisationId(), strings.Join(munis, ","))
}

// get returns the figures under key, computing them when missing, stale
// or older than a write. Errors are not cached.
func (f *figures) get(key string, compute func() (any, error)) (any, error) {
	for {
		gen := f.gen.Load()
		f.mu.Lock()
		if f.m == nil {
			f.m, f.inflight = map[string]figureEntry{}, map[string]*sync.WaitGroup{}
		}
		if e, ok := f.m[key]; ok && e.gen == gen && time.Since(e.at) < figuresTTL {
			f.mu.Unlock()
			return e.v, nil
		}
		if wg, ok := f.inflight[key]; ok {
			f.mu.Unlock()
			wg.Wait() // another request computes it: use its result
			continue
		}
		wg := &sync.WaitGroup{}
		wg.Add(1)
		f.inflight[key] = wg
		if len(f.m) > 1000 {
			clear(f.m) // bounded: scopes are few, but never grow without end
		}
		f.mu.Unlock()
		v, err := compute()
		f.mu.Lock()
		if err == nil {
			f.m[key] = figureEntry{at: time.Now(), gen: gen, v: v}
		}
		delete(f.inflight, key)
		f.mu.Unlock()
		wg.Done()
		return v, err
	}
}
