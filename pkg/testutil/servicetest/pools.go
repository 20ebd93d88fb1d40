package servicetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// Pools collects the pool sides of a programme's replicas, which live in
// each replica's memory (ADR 0088): pass Add as ProgrammeOptions.Pools to
// every replica a test starts. Safe for concurrent use.
type Pools struct {
	mu       sync.Mutex
	replicas []map[string]pool.View
}

// Add records one replica's sides; it is the ProgrammeOptions.Pools hook.
func (p *Pools) Add(sides map[string]pool.View) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.replicas = append(p.replicas, sides)
}

// views returns every replica's view of side.
func (p *Pools) views(side string) []pool.View {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []pool.View
	for _, r := range p.replicas {
		if v, ok := r[side]; ok {
			out = append(out, v)
		}
	}
	return out
}

// Wait waits until side holds n records (tombstones included, as the
// keys of the bucket it was kept in before) in every replica started so
// far, and at least one replica has started.
func (p *Pools) Wait(tb testing.TB, side string, n int) {
	tb.Helper()
	testutil.CheckFor(tb, 20*time.Second, 20*time.Millisecond, func() error {
		views := p.views(side)
		if len(views) == 0 {
			return fmt.Errorf("no replica has a pool side %s", side)
		}
		for k, v := range views {
			if got := v.Len(); got != n {
				return fmt.Errorf("replica %d: %s holds %d records, want %d", k, side, got, n)
			}
		}
		return nil
	})
}

// Sync waits until every side of every replica has applied what its
// stream holds now.
func (p *Pools) Sync(ctx context.Context, tb testing.TB) {
	tb.Helper()
	p.mu.Lock()
	replicas := append([]map[string]pool.View(nil), p.replicas...)
	p.mu.Unlock()
	for _, r := range replicas {
		for name, v := range r {
			if err := v.Sync(ctx); err != nil {
				tb.Fatalf("sync pool side %s: %v", name, err)
			}
		}
	}
}

// Records returns the records of side in replica k by id, tombstones
// included; nil when there is no such replica or side.
func (p *Pools) Records(k int, side string) map[string]proto.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k >= len(p.replicas) || p.replicas[k][side] == nil {
		return nil
	}
	return p.replicas[k][side].Records()
}

// WaitIDs waits until side holds a record (a tombstone too) for each of
// ids in every replica started so far, and at least one has started.
func (p *Pools) WaitIDs(tb testing.TB, side string, ids []string) {
	tb.Helper()
	testutil.CheckFor(tb, 20*time.Second, 20*time.Millisecond, func() error {
		views := p.views(side)
		if len(views) == 0 {
			return fmt.Errorf("no replica has a pool side %s", side)
		}
		for k, v := range views {
			recs := v.Records()
			for _, id := range ids {
				if _, ok := recs[id]; !ok {
					return fmt.Errorf("replica %d: %s has no record %s", k, side, id)
				}
			}
		}
		return nil
	})
}
