package store_test

import (
	"context"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestFedRepoIndexesWhatIsPut: a fed repository answers Find, Lookup and
// Len from what Put gave it, with the same index semantics as a bucket's;
// Get and Sync wait for the feed (the sync function); writes are refused.
func TestFedRepoIndexesWhatIsPut(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	synced := 0
	r, err := store.NewFed(store.Config[*facts]{
		Bucket: "fed", New: func() *facts { return &facts{} },
		Indexes: map[string]func(*facts) []string{
			"municipality": func(f *facts) []string { return []string{f.GetMunicipalityCode()} },
		},
	}, func(context.Context) error { synced++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	r.OnChange(func(id string, _ *facts, _ bool) { changes = append(changes, id) })
	r.Put("p-1", &facts{ParticipantId: "p-1", MunicipalityCode: "0180"}, 1)
	r.Put("p-2", &facts{ParticipantId: "p-2", MunicipalityCode: "0380"}, 2)
	r.Put("p-1", &facts{ParticipantId: "p-1", MunicipalityCode: "0380"}, 3) // moves
	r.Put("p-1", &facts{ParticipantId: "p-1", MunicipalityCode: "0380"}, 4) // unchanged: no change told
	pg, err := r.Find(store.Query[*facts]{Index: "municipality", Values: []string{"0380"}})
	if err != nil || len(pg.Items) != 2 || pg.Total != 2 {
		t.Fatalf("Find 0380 = %v, %v; want p-1 and p-2", pg, err)
	}
	if pg, _ := r.Find(store.Query[*facts]{Index: "municipality", Values: []string{"0180"}}); len(pg.Items) != 0 {
		t.Errorf("Find 0180 = %v; p-1 moved away", pg.Items)
	}
	if r.Len() != 2 || len(changes) != 3 {
		t.Errorf("Len = %d, changes %v; want 2 records and 3 changes", r.Len(), changes)
	}
	v, rev, err := r.Get(ctx, "p-1")
	if err != nil || v.GetMunicipalityCode() != "0380" || rev != 4 || synced != 1 {
		t.Fatalf("Get = %v, %d, %v (synced %d); want 0380 at 4 after one sync", v, rev, err, synced)
	}
	v.MunicipalityCode = "9999" // a copy: the index keeps its own
	if got, _ := r.Lookup("p-1"); got.GetMunicipalityCode() != "0380" {
		t.Error("changing what Get returned changed the index")
	}
	if _, _, err := r.Get(ctx, "p-9"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("Get of a missing id = %v, want NotFound", err)
	}
	if err := r.Sync(ctx); err != nil || synced != 3 {
		t.Errorf("Sync = %v after %d syncs; want the feed's sync called", err, synced)
	}
	if _, err := r.Create(ctx, "p-3", &facts{}); err == nil {
		t.Error("Create on a fed repository succeeded")
	}
	if err := r.Remove(ctx, "p-1", false); err == nil {
		t.Error("Remove on a fed repository succeeded")
	}
	r.Close() // nothing to stop
	if _, err := store.NewFed(store.Config[*facts]{Bucket: "fed"}, nil); err == nil {
		t.Error("NewFed without New and sync succeeded")
	}
}
