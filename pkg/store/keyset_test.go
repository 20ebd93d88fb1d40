package store

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
)

// TestKeySet walks a set from empty through one id (no map) to many and
// back: its size and ids are right at each step.
func TestKeySet(t *testing.T) {
	t.Parallel()
	var s keySet
	check := func(want ...string) {
		t.Helper()
		got := s.appendTo(nil)
		slices.Sort(got)
		if s.size() != len(want) || !slices.Equal(got, want) {
			t.Fatalf("set holds %v (size %d), want %v", got, s.size(), want)
		}
	}
	check()
	s.add("a")
	s.add("a")
	check("a")
	s.remove("b")
	check("a")
	s.add("b")
	check("a", "b")
	s.remove("a")
	check("b")
	s.remove("b")
	check()
	s.add("c")
	check("c")
}

// BenchmarkIndexTerms indexes records under 20 values each that no other
// record has, as a name's blind-index terms are: allocations per record,
// and heap-B/record the index's live heap grown per record (ADR 0151).
func BenchmarkIndexTerms(b *testing.B) {
	r := &Repo[*facts]{
		cfg:     Config[*facts]{Indexes: map[string]func(*facts) []string{"terms": func(f *facts) []string { return f.GetInterests() }}},
		byIndex: map[string]map[string]keySet{"terms": {}},
		inOrder: map[string]map[string][]string{},
	}
	var recs []*facts
	for i := range b.N {
		f := &facts{}
		for j := range 20 {
			f.Interests = append(f.Interests, fmt.Sprintf("term-%d-%d", i, j))
		}
		recs = append(recs, f)
	}
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = fmt.Sprintf("p-%d", i)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r.indexLocked(keys[i], recs[i])
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/record")
	runtime.KeepAlive(recs)
	runtime.KeepAlive(r)
}
