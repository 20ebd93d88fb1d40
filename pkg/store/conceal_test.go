package store_test

import (
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestGetVisible_CostsWhatNoRecordCosts: a record its caller may not see
// (GetVisible), a removed record and an id of no one are each answered
// NotFound after the same reads, a direct get and a read of the stream
// leader, so the time of the answer does not tell them apart; a record
// the caller may see costs the direct get alone (ADR 0235). Before, the
// first two cost the direct get only.
func TestGetVisible_CostsWhatNoRecordCosts(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	var mu sync.Mutex
	reads := map[string]int{}
	count := func(kind, bucket string) {
		if bucket != "people" {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		reads[kind]++
	}
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Hooks = &store.Hooks{
			BeforeGet:       func(bucket, _ string) { count("direct", bucket) },
			BeforeLeaderGet: func(bucket, _ string) error { count("leader", bucket); return nil },
		}
	})
	for _, id := range []string{"p1", "p2"} {
		if _, err := r.Create(ctx, id, &facts{ParticipantId: id, MunicipalityCode: "0180"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Remove(ctx, "p2", false, event(t, "test.removed", "p2")); err != nil {
		t.Fatal(err)
	}
	hidden := func(*facts) bool { return false }
	shown := func(*facts) bool { return true }
	cost := func(get func() (*facts, uint64, error)) (map[string]int, error) {
		mu.Lock()
		clear(reads)
		mu.Unlock()
		_, _, err := get()
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(reads), err
	}
	want := map[string]int{"direct": 1, "leader": 1}
	for name, get := range map[string]func() (*facts, uint64, error){
		"another scope's": func() (*facts, uint64, error) { return r.GetVisible(ctx, "p1", hidden) },
		"removed":         func() (*facts, uint64, error) { return r.Get(ctx, "p2") },
		"removed, hidden": func() (*facts, uint64, error) { return r.GetVisible(ctx, "p2", hidden) },
		"no one's":        func() (*facts, uint64, error) { return r.Get(ctx, "p9") },
		"no one's hidden": func() (*facts, uint64, error) { return r.GetVisible(ctx, "p9", hidden) },
	} {
		got, err := cost(get)
		if apperr.ErrorCode(err) != apperr.NotFound {
			t.Errorf("%s: %v, want NotFound", name, err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: reads %v, want %v (what an id of no one costs)", name, got, want)
		}
	}
	got, err := cost(func() (*facts, uint64, error) { return r.GetVisible(ctx, "p1", shown) })
	if err != nil || fmt.Sprint(got) != fmt.Sprint(map[string]int{"direct": 1}) {
		t.Errorf("a record the caller may see: reads %v, %v; want one direct get", got, err)
	}
}
