package store

import (
	"slices"
	"strings"
	"sync"
)

// Find pages through the ids of an index query in order. Sorting every id
// of a large scope on every page (20,000 newcomers of one organisation)
// cost more than the rest of the request together, so the ids of each
// index value are kept in order once asked for (Repo.inOrder), until that
// value's set changes; a query over several values merges their slices.
// The slices are never changed once made: a change drops the value's
// slice, and a Find holding it still reads a consistent copy.

// inOrderLocked returns the ids under any of values of index name, in
// order and without repeats. The result may be a kept slice: callers must
// not change it. r.mu must be held for writing.
func (r *Repo[T]) inOrderLocked(name string, values []string) []string {
	lists := make([][]string, 0, len(values))
	for _, val := range values {
		if r.byIndex[name][val].size() == 0 {
			continue
		}
		lists = append(lists, r.valueInOrderLocked(name, val))
	}
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	// A value listed twice, or a record under two of the values (an index
	// giving several values per record), is merged once; the merge is kept
	// until the index next changes.
	key := name + "\x00" + strings.Join(values, "\x00")
	if m, ok := r.merged[key]; ok {
		return m
	}
	m := mergeInOrder(lists)
	if r.merged == nil || len(r.merged) >= maxTotals {
		r.merged = map[string][]string{}
	}
	r.merged[key] = m
	return m
}

// dropOrderLocked forgets the kept orders of one index value, whose set
// or whose records are changing.
func (r *Repo[T]) dropOrderLocked(name, val string) {
	delete(r.inOrder[name], val)
	for order := range r.cfg.Orders {
		delete(r.rankedBy[order+"\x00"+name], val)
	}
}

// valueInOrderLocked returns the kept slice of one value, making it.
func (r *Repo[T]) valueInOrderLocked(name, val string) []string {
	if s, ok := r.inOrder[name][val]; ok {
		return s
	}
	set := r.byIndex[name][val]
	s := set.appendTo(make([]string, 0, set.size()))
	slices.Sort(s)
	m := r.inOrder[name]
	if m == nil {
		m = map[string][]string{}
		r.inOrder[name] = m
	}
	m[val] = s
	return s
}

// mergeInOrder merges sorted lists into one sorted list without repeats.
func mergeInOrder(lists [][]string) []string {
	n := 0
	for _, l := range lists {
		n += len(l)
	}
	out := make([]string, 0, n)
	at := make([]int, len(lists))
	for {
		best := -1
		for i, l := range lists {
			if at[i] < len(l) && (best < 0 || l[at[i]] < lists[best][at[best]]) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		k := lists[best][at[best]]
		if len(out) == 0 || out[len(out)-1] != k {
			out = append(out, k)
		}
		at[best]++
	}
}

// Counting every match of a large scope for a page's "1–50 of 20,000" cost
// a scan of the whole scope on every page. FindCounted keeps each count
// for the version of the index it was counted on (any change anywhere in
// the repository makes a new version), so a page after the first costs a
// binary search and the page's own records.

// maxTotals bounds the counts kept: past it, all are forgotten.
const maxTotals = 1000

// totals is the counts kept by FindCounted.
type totals struct {
	mu      sync.Mutex
	version uint64
	n       map[string]int
}

// Version is a number that changes whenever the index does (a record
// created, changed or removed, on any replica).
func (r *Repo[T]) Version() uint64 {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.version
}

// FindCounted is Find for a query that key names completely (its index,
// values, filter and the caller's scope, but not its After or Limit): its
// total is counted once per index version, and later pages of the same
// key skip the count. An empty key counts every time.
func (r *Repo[T]) FindCounted(key string, q Query[T]) (Page[T], error) {
	if key == "" {
		return r.Find(q)
	}
	v := r.Version()
	r.totals.mu.Lock()
	n, ok := r.totals.n[key]
	ok = ok && r.totals.version == v
	r.totals.mu.Unlock()
	if ok {
		q.NoTotal = true
		p, err := r.Find(q)
		p.Total = n
		return p, err
	}
	q.NoTotal = false
	p, err := r.Find(q)
	if err != nil {
		return p, err
	}
	r.totals.mu.Lock()
	if r.totals.n == nil || r.totals.version != v || len(r.totals.n) >= maxTotals {
		r.totals.version, r.totals.n = v, map[string]int{}
	}
	r.totals.n[key] = p.Total
	r.totals.mu.Unlock()
	return p, nil
}
