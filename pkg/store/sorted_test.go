package store

import (
	"fmt"
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestFindInOrderAcrossValues: a query over several index values (a
// coordinator's municipalities) lists each record once, in id order, on
// pages that join up; a record that moves, arrives or leaves shows at once
// in what the kept per-value order gives.
func TestFindInOrderAcrossValues(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := openFacts(t, n.JS, func(c *Config[*facts]) {
		c.Indexes = map[string]func(*facts) []string{
			"municipality": func(f *facts) []string { return []string{f.GetMunicipalityCode()} },
			// several values per record: the muni and "all"
			"tags": func(f *facts) []string { return []string{f.GetMunicipalityCode(), "all"} },
		}
	})
	munis := []string{"0180", "0880", "1480"}
	var want []string
	for i := range 30 {
		id := fmt.Sprintf("p%02d", 29-i) // created out of order
		if _, err := r.Create(ctx, id, &facts{MunicipalityCode: munis[i%3]}); err != nil {
			t.Fatal(err)
		}
		if munis[i%3] != "1480" {
			want = append(want, id)
		}
	}
	slices.Sort(want)
	list := func(index string, values ...string) []string {
		t.Helper()
		var got []string
		after := ""
		for range 100 {
			p, err := r.Find(Query[*facts]{Index: index, Values: values, After: after, Limit: 7})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range p.Items {
				got = append(got, f.GetParticipantId())
			}
			if p.Total != len(p.Items) && p.Next == "" && after == "" {
				t.Errorf("total %d on a single page of %d", p.Total, len(p.Items))
			}
			if after = p.Next; after == "" {
				return got
			}
		}
		t.Fatal("pages never end")
		return nil
	}
	// The records carry their id in ParticipantId for the listing.
	for i := range 30 {
		id := fmt.Sprintf("p%02d", i)
		if _, _, err := r.Update(ctx, id, func(f *facts, _ uint64) (Change, error) { f.ParticipantId = id; return nil, nil }); err != nil {
			t.Fatal(err)
		}
	}
	if got := list("municipality", "0880", "0180", "0880"); !slices.Equal(got, want) {
		t.Errorf("two values (one twice) = %v, want %v", got, want)
	}
	if got := list("tags", "0180", "all", "0880"); len(got) != 30 || !slices.IsSorted(got) {
		t.Errorf("a record under several values = %v, want all 30 once, in order", got)
	}
	// A change drops the kept order of the values it touches.
	if _, _, err := r.Update(ctx, "p05", func(f *facts, _ uint64) (Change, error) { f.MunicipalityCode = "2584"; return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Create(ctx, "p99", &facts{MunicipalityCode: "0180", ParticipantId: "p99"}); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, "p00", false); err != nil {
		t.Fatal(err)
	}
	want = slices.DeleteFunc(want, func(id string) bool { return id == "p05" || id == "p00" })
	want = append(want, "p99")
	if got := list("municipality", "0880", "0180"); !slices.Equal(got, want) {
		t.Errorf("after a move, a create and a removal = %v, want %v", got, want)
	}
	if got := list("municipality", "9999"); len(got) != 0 {
		t.Errorf("no such value = %v", got)
	}
}

// TestFindCountedKeepsTheTotalUntilAChange: later pages reuse the first
// page's count and still join up; any change is counted again.
func TestFindCountedKeepsTheTotalUntilAChange(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := openFacts(t, n.JS, func(c *Config[*facts]) {
		c.Indexes = map[string]func(*facts) []string{"municipality": func(f *facts) []string { return []string{f.GetMunicipalityCode()} }}
	})
	for i := range 20 {
		id := fmt.Sprintf("p%02d", i)
		if _, err := r.Create(ctx, id, &facts{MunicipalityCode: []string{"0180", "0880"}[i%2], ParticipantId: id}); err != nil {
			t.Fatal(err)
		}
	}
	even := func(f *facts) bool { return f.GetParticipantId()[2]%2 == 0 } // p00, p02, ... p18: all in 0180
	walk := func() (ids []string, totals []int) {
		t.Helper()
		after := ""
		for range 100 {
			p, err := r.FindCounted("evens", Query[*facts]{Index: "municipality", Values: []string{"0180", "0880"}, Filter: even, After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range p.Items {
				ids = append(ids, f.GetParticipantId())
			}
			totals = append(totals, p.Total)
			if after = p.Next; after == "" {
				return ids, totals
			}
		}
		t.Fatal("pages never end")
		return nil, nil
	}
	ids, totals := walk()
	if len(ids) != 10 || !slices.IsSorted(ids) || slices.ContainsFunc(totals, func(n int) bool { return n != 10 }) {
		t.Fatalf("walk = %v, totals %v; want 10 in order, each page saying 10", ids, totals)
	}
	if _, err := r.Create(ctx, "p20", &facts{MunicipalityCode: "0880", ParticipantId: "p20"}); err != nil {
		t.Fatal(err)
	}
	ids, totals = walk()
	if len(ids) != 11 || ids[10] != "p20" || slices.ContainsFunc(totals, func(n int) bool { return n != 11 }) {
		t.Fatalf("after a create: walk = %v, totals %v; want 11, each page saying 11", ids, totals)
	}
}
