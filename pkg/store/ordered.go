package store

import (
	"slices"
	"strings"
)

// A query in one of Config.Orders (a job's proposals best first) pages
// through positions: a record's order key and its id joined by "\x00",
// which sort as the pair (key, id) because neither part contains "\x00"
// and "\x00" sorts before every other byte. A page token holding the last
// position of a page stays a place in the ranking even when that record
// moves or leaves, as an id does in id order.

// At returns the position of the record id whose order key is key: what
// Query.After takes and Page.Next returns in an ordered query.
func At(key, id string) string {
	return key + "\x00" + id
}

// SplitAt splits a position made by At; ok is false for anything else.
func SplitAt(pos string) (key, id string, ok bool) {
	key, id, ok = strings.Cut(pos, "\x00")
	if !ok || strings.Contains(id, "\x00") {
		return "", "", false
	}
	return key, id, true
}

// rankedLocked returns the positions of ids (the query's candidates in id
// order) in order: sorted once per order, index and values, and kept until
// the index next changes, so later pages binary-search to their token
// instead of sorting. The result is kept: callers must not change it.
// r.mu must be held for writing.
func (r *Repo[T]) rankedLocked(order, index string, values, ids []string) []string {
	key := order + "\x00" + index + "\x00" + strings.Join(values, "\x00")
	if s, ok := r.ranked[key]; ok {
		return s
	}
	fn := r.cfg.Orders[order]
	s := make([]string, 0, len(ids))
	for _, id := range ids {
		if e, ok := r.records[id]; ok && isLive(e) {
			s = append(s, At(fn(e.v), id))
		}
	}
	slices.Sort(s)
	if r.ranked == nil || len(r.ranked) >= maxTotals {
		r.ranked = map[string][]string{}
	}
	r.ranked[key] = s
	return s
}
