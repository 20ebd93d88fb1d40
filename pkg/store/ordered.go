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

// rankedLocked returns the positions of a query's candidates in order:
// ids is the candidates in id order (a value's, a merge of several, or
// every record's). One index value's positions are sorted once and kept
// until a record under that value changes, so a job's ranking survives
// the writes of other jobs; a merge of several values' rankings, or the
// ranking of every record, is kept until the index next changes. Later
// pages binary-search to their token instead of sorting. The result is
// kept: callers must not change it. r.mu must be held for writing.
func (r *Repo[T]) rankedLocked(order, index string, values, ids []string) []string {
	if index != "" && len(values) == 1 {
		return r.valueRankedLocked(order, index, values[0], ids)
	}
	key := order + "\x00" + index + "\x00" + strings.Join(values, "\x00")
	if s, ok := r.ranked[key]; ok {
		return s
	}
	var s []string
	if index == "" {
		s = r.rankLocked(order, ids)
	} else {
		lists := make([][]string, 0, len(values))
		for _, val := range values {
			if r.byIndex[index][val].size() > 0 {
				lists = append(lists, r.valueRankedLocked(order, index, val, r.valueInOrderLocked(index, val)))
			}
		}
		// A record under two of the values has one position: merged once.
		s = mergeInOrder(lists)
	}
	if r.ranked == nil || len(r.ranked) >= maxTotals {
		r.ranked = map[string][]string{}
	}
	r.ranked[key] = s
	return s
}

// valueRankedLocked returns the kept ranking of one index value, whose
// ids in id order are ids, making it.
func (r *Repo[T]) valueRankedLocked(order, index, val string, ids []string) []string {
	name := order + "\x00" + index
	if s, ok := r.rankedBy[name][val]; ok {
		return s
	}
	s := r.rankLocked(order, ids)
	if r.rankedBy == nil {
		r.rankedBy = map[string]map[string][]string{}
	}
	m := r.rankedBy[name]
	if m == nil {
		m = map[string][]string{}
		r.rankedBy[name] = m
	}
	m[val] = s
	return s
}

// rankLocked returns the positions of the live records among ids, sorted.
func (r *Repo[T]) rankLocked(order string, ids []string) []string {
	fn := r.cfg.Orders[order]
	s := make([]string, 0, len(ids))
	for _, id := range ids {
		if e, ok := r.records[id]; ok && isLive(e) {
			s = append(s, At(fn(e.v), id))
		}
	}
	slices.Sort(s)
	return s
}
