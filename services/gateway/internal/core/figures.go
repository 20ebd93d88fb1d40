package core

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// figuresTTL is how long computed figures serve a scope before a request
// starts a refresh. The dashboard and the reports read every record of a
// scope, which costs seconds at 20,000 newcomers; counts a few seconds old
// serve a coordinator as well (issue 12: list and report pages within
// 150 ms at p95).
const figuresTTL = 10 * time.Second

// Figures past their TTL are served at once while one refresh per scope
// runs in the background (ADR 0067): a recount is never on a request's
// path, the page says how old its figures are. A request waits, with a
// bound, only when it has nothing it may show:
//   - firstWait: no figures of the scope yet (the first request, or after
//     an error); past it the request gets ErrComputing;
//   - writtenWait: figures older than a write through this gateway or
//     older than maxStale; past it the request gets the older figures, so
//     a coordinator sees their own change at once whenever the recount is
//     quick, and waits no longer than this when it is not.
const (
	firstWait   = 10 * time.Second
	writtenWait = 2 * time.Second
	maxStale    = 10 * time.Minute
	// refreshTimeout bounds one background recount.
	refreshTimeout = 2 * time.Minute
)

// A report's period, organisation, municipalities and group size come
// from the request, so the keys of one caller scope are not a handful:
// one coordinator asking for period after period made an entry and started
// a recount each time, and at maxFigures the whole cache was cleared,
// every other scope's dashboard with it (outside49, ADR 0274). So:
//   - maxPerScope: a scope keeps at most this many entries; a new one
//     pushes out the scope's oldest, never another scope's;
//   - maxInflightPerScope: at most this many recounts of one scope run at
//     once; a request that would start another, with nothing to show, is
//     told ErrComputing (the page's 503 with Retry-After) at once;
//   - maxFigures: all scopes together; past it the cache starts again.
const (
	maxPerScope         = 64
	maxInflightPerScope = 8
	maxFigures          = 1000
)

// ErrComputing says a scope's figures are being computed for the first
// time and took longer than a request may wait (firstWait). The page asks
// to reload in a moment; the computation goes on.
var ErrComputing = apperr.Errorf(apperr.Unavailable, "the figures are being computed; reload the page in a moment")

// figures caches computed figures (counts only, never a person) per
// caller scope and kind. The zero value is ready to use.
type figures struct {
	gen atomic.Int64 // bumped by every write through this gateway
	// now is the clock (time.Now when nil), injectable for tests.
	now func() time.Time
	mu  sync.Mutex
	m   map[string]figureEntry
	// inflight holds the one running refresh per key.
	inflight map[string]*refresh
}

type figureEntry struct {
	at  time.Time
	gen int64
	v   any
}

// refresh is one computation of a key; done closes when v, at and err
// are set.
type refresh struct {
	done chan struct{}
	v    any
	at   time.Time
	err  error
}

// wrote marks every cached figure as older than a change: the caller
// changed something.
func (f *figures) wrote() { f.gen.Add(1) }

func (f *figures) clock() time.Time {
	if f.now != nil {
		return f.now()
	}
	return time.Now()
}

// scopeKey names what a caller may see: role, organisation and
// municipalities, so two coordinators of one scope share figures and no
// caller sees another scope's.
func scopeKey(c Caller, kind string) string {
	munis := slices.Clone(c.User.GetMunicipalityCodes())
	slices.Sort(munis)
	return fmt.Sprintf("%s|%d|%s|%s", kind, c.User.GetRole(), c.User.GetOrganisationId(), strings.Join(munis, ","))
}

// scopeOf is the caller scope a key of scopeKey ends with (role,
// organisation, municipalities); a key of another form is its own scope.
func scopeOf(key string) string {
	i := len(key)
	for range 3 {
		if i = strings.LastIndexByte(key[:i], '|'); i < 0 {
			return key
		}
	}
	return key[i+1:]
}

// inflightOf counts the recounts of scope running now. f.mu is held.
func (f *figures) inflightOf(scope string) int {
	n := 0
	for k := range f.inflight {
		if scopeOf(k) == scope {
			n++
		}
	}
	return n
}

// makeRoom makes room for key's entry: the oldest entry of key's scope
// goes when the scope has maxPerScope others, and every entry when the
// cache holds maxFigures. f.mu is held.
func (f *figures) makeRoom(key string) {
	scope, n := scopeOf(key), 0
	var oldest string
	var oldestAt time.Time
	for k, e := range f.m {
		if k == key || scopeOf(k) != scope {
			continue
		}
		if n++; oldest == "" || e.at.Before(oldestAt) {
			oldest, oldestAt = k, e.at
		}
	}
	if n >= maxPerScope {
		delete(f.m, oldest)
	}
	if len(f.m) >= maxFigures {
		clear(f.m) // bounded: scopes are few, but never grow without end
	}
}

// get returns the figures under key and when they were computed. Fresh
// figures are returned as they are; otherwise one refresh of the key runs
// in the background (compute gets a context detached from the request's
// cancellation, bounded by refreshTimeout) and get returns the figures it
// has, or waits as the constants above say. Errors are not cached: the
// next request starts another refresh.
func (f *figures) get(ctx context.Context, key string, compute func(context.Context) (any, error)) (any, time.Time, error) {
	gen := f.gen.Load()
	now := f.clock()
	f.mu.Lock()
	if f.m == nil {
		f.m, f.inflight = map[string]figureEntry{}, map[string]*refresh{}
	}
	e, have := f.m[key]
	if have && e.gen == gen && now.Sub(e.at) < figuresTTL {
		f.mu.Unlock()
		return e.v, e.at, nil
	}
	r := f.inflight[key]
	if r == nil && !have && f.inflightOf(scopeOf(key)) >= maxInflightPerScope {
		f.mu.Unlock()
		return nil, time.Time{}, ErrComputing
	}
	if r == nil {
		r = &refresh{done: make(chan struct{})}
		f.inflight[key] = r
		go f.run(context.WithoutCancel(ctx), key, gen, r, compute)
	}
	f.mu.Unlock()
	if have && e.gen == gen && now.Sub(e.at) < maxStale {
		return e.v, e.at, nil // expired only: the old figures, at once
	}
	wait := firstWait
	if have {
		wait = writtenWait
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-r.done:
		if r.err == nil {
			return r.v, r.at, nil
		}
		if !have {
			return nil, time.Time{}, r.err
		}
	case <-t.C:
		if !have {
			return nil, time.Time{}, ErrComputing
		}
	case <-ctx.Done():
		return nil, time.Time{}, ctx.Err()
	}
	return e.v, e.at, nil
}

// run computes key once and keeps the result under the write generation
// seen when it began, so a write during the computation still counts as
// newer than these figures.
func (f *figures) run(ctx context.Context, key string, gen int64, r *refresh, compute func(context.Context) (any, error)) {
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	r.v, r.err = compute(ctx)
	r.at = f.clock()
	f.mu.Lock()
	if r.err == nil {
		f.makeRoom(key)
		f.m[key] = figureEntry{at: r.at, gen: gen, v: r.v}
	}
	delete(f.inflight, key)
	f.mu.Unlock()
	close(r.done)
}
