package store

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestFindInAnOrder: a query in a named order pages as one ranking (key
// order, ties by id) over one index value, several, and the whole
// repository; pages of FindCounted join up past the first; a change of a
// record's key moves it at once; SplitAt refuses what At did not make.
func TestFindInAnOrder(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	// Biggest household first: the key of a size sorts before a smaller's.
	bySize := func(f *facts) string { return fmt.Sprintf("%08x", uint32(math.MaxInt32-int64(f.GetHouseholdSize()))) }
	r := openFacts(t, n.JS, func(c *Config[*facts]) {
		c.Indexes = map[string]func(*facts) []string{"municipality": func(f *facts) []string { return []string{f.GetMunicipalityCode()} }}
		c.Orders = map[string]func(*facts) string{"size": bySize}
	})
	munis := []string{"0180", "0880", "1480"}
	var all []*facts
	for i := range 30 {
		f := &facts{ParticipantId: fmt.Sprintf("p%02d", 29-i), MunicipalityCode: munis[i%3], HouseholdSize: int32(i % 4)}
		if _, err := r.Create(ctx, f.GetParticipantId(), f); err != nil {
			t.Fatal(err)
		}
		all = append(all, f)
	}
	want := func(keep func(*facts) bool) []string {
		fs := slices.DeleteFunc(slices.Clone(all), func(f *facts) bool { return !keep(f) })
		slices.SortFunc(fs, func(a, b *facts) int {
			return cmp.Or(cmp.Compare(b.GetHouseholdSize(), a.GetHouseholdSize()), cmp.Compare(a.GetParticipantId(), b.GetParticipantId()))
		})
		var ids []string
		for _, f := range fs {
			ids = append(ids, f.GetParticipantId())
		}
		return ids
	}
	list := func(key, index string, values ...string) []string {
		t.Helper()
		var got []string
		after := ""
		for range 100 {
			p, err := r.FindCounted(key, Query[*facts]{Index: index, Values: values, Order: "size", After: after, Limit: 4})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range p.Items {
				got = append(got, f.GetParticipantId())
			}
			if after = p.Next; after == "" {
				return got
			}
			if _, id, ok := SplitAt(after); !ok || id != got[len(got)-1] {
				t.Fatalf("next %q is not the position of the page's last record %s", after, got[len(got)-1])
			}
		}
		t.Fatal("pages never end")
		return nil
	}
	inTwo := func(f *facts) bool { return f.GetMunicipalityCode() != "1480" }
	everyone := func(*facts) bool { return true }
	for _, key := range []string{"", "counted"} { // counted: pages past the first binary-search
		if got, w := list(key, "municipality", "0180"), want(func(f *facts) bool { return f.GetMunicipalityCode() == "0180" }); !slices.Equal(got, w) {
			t.Errorf("one value (key %q) = %v, want %v", key, got, w)
		}
		if got, w := list(key+"two", "municipality", "0880", "0180"), want(inTwo); !slices.Equal(got, w) {
			t.Errorf("two values (key %q) = %v, want %v", key, got, w)
		}
		if got, w := list(key+"all", ""), want(everyone); !slices.Equal(got, w) {
			t.Errorf("no index (key %q) = %v, want %v", key, got, w)
		}
	}
	// A change under another value keeps a value's ranking; one under it
	// drops it.
	kept := func() []string {
		r.mu.RLock()
		defer r.mu.RUnlock()
		return r.rankedBy["size\x00municipality"]["0180"]
	}
	before := kept()
	if _, _, err := r.Update(ctx, "p28", func(f *facts, _ uint64) (Change, error) { f.HouseholdSize = 7; return nil, nil }); err != nil { // in 0880
		t.Fatal(err)
	}
	all[1].HouseholdSize = 7
	list("", "municipality", "0180")
	if after := kept(); len(before) == 0 || len(after) == 0 || &after[0] != &before[0] {
		t.Error("a change in 0880 dropped the ranking of 0180")
	}
	if _, _, err := r.Update(ctx, "p26", func(f *facts, _ uint64) (Change, error) { f.HouseholdSize = 8; return nil, nil }); err != nil { // in 0180
		t.Fatal(err)
	}
	all[3].HouseholdSize = 8
	if kept() != nil {
		t.Error("a change in 0180 kept its old ranking")
	}
	if got, w := list("", "municipality", "0180"), want(func(f *facts) bool { return f.GetMunicipalityCode() == "0180" }); !slices.Equal(got, w) || got[0] != "p26" {
		t.Errorf("after a change in 0180 = %v, want %v", got, w)
	}
	// A record whose key changes moves in the ranking at once.
	if _, _, err := r.Update(ctx, "p29", func(f *facts, _ uint64) (Change, error) { f.HouseholdSize = 9; return nil, nil }); err != nil {
		t.Fatal(err)
	}
	all[0].HouseholdSize = 9
	if got, w := list("counted", ""), want(everyone); !slices.Equal(got, w) || got[0] != "p29" {
		t.Errorf("after a change = %v, want %v", got, w)
	}
	if _, err := r.Find(Query[*facts]{Order: "age"}); err == nil {
		t.Error("an order the repository does not have: no error")
	}
	for _, pos := range []string{"", "p01", "a\x00b\x00c"} {
		if _, _, ok := SplitAt(pos); ok {
			t.Errorf("SplitAt(%q) ok", pos)
		}
	}
}

// BenchmarkFindInAnOrder times a page of 50 of one index value of 600
// and 5,000 records (a job's proposals: the demo's one-municipality job
// proposes about 600) in id order and in a named order: kept (a page after
// the first of an unchanged index: a binary search and the page), right
// after a change under another value (another job's: kept), and right
// after a change under the value (the order is sorted again).
func BenchmarkFindInAnOrder(b *testing.B) {
	for _, n := range []int{600, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) { benchFindInAnOrder(b, n) })
	}
}

func benchFindInAnOrder(b *testing.B, n int) {
	bySize := func(f *facts) string { return fmt.Sprintf("%08x", uint32(math.MaxInt32-int64(f.GetHouseholdSize()))) }
	r, err := NewFed(Config[*facts]{Bucket: "bench", New: func() *facts { return &facts{} },
		Indexes: map[string]func(*facts) []string{"municipality": func(f *facts) []string { return []string{f.GetMunicipalityCode()} }},
		Orders:  map[string]func(*facts) string{"size": bySize},
	}, func(context.Context) error { return nil })
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("p%05d", i)
		r.Put(id, &facts{ParticipantId: id, MunicipalityCode: "0180", HouseholdSize: int32(i * 7919 % 97)}, uint64(i+1))
	}
	rev := uint64(n)
	for _, order := range []string{"", "size"} {
		name := "id"
		if order != "" {
			name = order
		}
		q := Query[*facts]{Index: "municipality", Values: []string{"0180"}, Order: order, Limit: 50, NoTotal: true}
		// The token of page 6 (of 12 or 100).
		for range 5 {
			p, err := r.Find(q)
			if err != nil {
				b.Fatal(err)
			}
			q.After = p.Next
		}
		// Before each page: nothing, a write under another value (another
		// job's record), or one under the page's own value.
		for _, w := range []struct{ name, id, muni string }{{"kept", "", ""}, {"after-a-change-elsewhere", "q00000", "0380"}, {"after-a-change", "p00001", "0180"}} {
			b.Run(name+"/"+w.name, func(b *testing.B) {
				for b.Loop() {
					if w.id != "" {
						rev++
						r.Put(w.id, &facts{ParticipantId: w.id, MunicipalityCode: w.muni, HouseholdSize: int32(rev % 97)}, rev)
					}
					if p, _ := r.Find(q); len(p.Items) != 50 {
						b.Fatal(len(p.Items))
					}
				}
			})
		}
	}
}
