package store

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store/staletest"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSkippedEntrySyncsBeforeDeciding: when the watch skipped an entry
// while a create was being written (noteWatchedLocked counts it), the
// writer brings both indexes up to their buckets (a status request each)
// before it decides; without a skip it asks nothing. The skip itself
// cannot be forced on the embedded server (the watch holds the entries
// before a newer write can replace them), so the test counts one as the
// watch would.
func TestSkippedEntrySyncsBeforeDeciding(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	const creates = 8
	var skip atomic.Bool
	var stored sync.WaitGroup
	var r *Repo[*facts]
	r = openFacts(t, n.JS, func(c *Config[*facts]) {
		c.Hooks = &Hooks{AfterRecord: func(string) error {
			if skip.Load() {
				r.mu.Lock()
				r.holes++
				r.mu.Unlock()
				stored.Done()
				stored.Wait() // all are written before any decides
			}
			return nil
		}}
	})
	// A sync round asks each bucket's leader for its last message (ADR
	// 0243).
	status := staletest.LeaderGets(t, n.Conn, "people")
	requestsStatus := staletest.LeaderGets(t, n.Conn, "people_requests")
	build := func(id string) (*facts, []*eventsv1.Envelope, error) { return &facts{ParticipantId: id}, nil, nil }
	if _, _, err := r.CreateOnce(ctx, "org/req-0", ids.UUIDv7{}.New, build); err != nil {
		t.Fatal(err)
	}
	if got := status() + requestsStatus(); got != 0 {
		t.Fatalf("%d status requests for a create without a skip, want 0", got)
	}
	skip.Store(true)
	stored.Add(creates)
	var wg sync.WaitGroup
	for i := range creates {
		wg.Go(func() {
			if _, _, err := r.CreateOnce(ctx, fmt.Sprintf("org/req-%d", i+1), ids.UUIDv7{}.New, build); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, gotRequests := status(), requestsStatus()
	t.Logf("%d creates after a skip: %d status requests for the records, %d for the requests", creates, got, gotRequests)
	if got == 0 || gotRequests == 0 || got > creates {
		t.Fatalf("%d and %d status requests for %d creates after a skip, want 1 to %d each", got, gotRequests, creates, creates)
	}
	if r.Len() != creates+1 {
		t.Fatalf("records %d, want %d", r.Len(), creates+1)
	}
}
