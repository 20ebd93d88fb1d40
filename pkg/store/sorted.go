package store

import "slices"

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
		if len(r.byIndex[name][val]) == 0 {
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
	// giving several values per record), is merged once.
	return mergeInOrder(lists)
}

// valueInOrderLocked returns the kept slice of one value, making it.
func (r *Repo[T]) valueInOrderLocked(name, val string) []string {
	if s, ok := r.inOrder[name][val]; ok {
		return s
	}
	set := r.byIndex[name][val]
	s := make([]string, 0, len(set))
	for k := range set {
		s = append(s, k)
	}
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
