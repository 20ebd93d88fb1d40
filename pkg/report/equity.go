package report

import (
	"maps"
	"slices"
	"time"
)

// The equity flag follows the four-fifths rule: a group whose share with a
// match is below FlagNum/FlagDen (0.8) of the best group's share is
// flagged. The comparison is done in integers, so a group at exactly 0.8
// is not flagged however the shares round.
const (
	FlagNum = 4
	FlagDen = 5
)

// EquitySpec says how to group people for Equity.
type EquitySpec struct {
	// Dim is the dimension to group by (a key of Record.Keys).
	Dim string
	// MinSize is the smallest group that may be flagged or be the best
	// group: with 3 people, one match more or less moves the share by a
	// third, which says nothing about a gap. 0 means 1.
	MinSize int
	// Values are listed even when nobody has them (a group of size 0),
	// so a table shows every gender or municipality the reader expects.
	Values []string
}

// EquityRow is one group's line of the equity table.
type EquityRow struct {
	Value string
	// Size is how many people the group has, Matched how many of them got
	// a match (Record.Active is set).
	Size, Matched int
	// Share is Matched/Size, 0 for an empty group.
	Share float64
	// Ratio is Share over the best group's share; 0 when there is no best
	// group or its share is 0.
	Ratio float64
	// Wait is the time to a match of the matched people whose Since is
	// known.
	Wait Stats
	// Small is true when Size is below MinSize: shown, never flagged.
	Small bool
	// Flagged is true when the group is not Small and its share is below
	// 0.8 of the best group's.
	Flagged bool
}

// EquityTable is the share with a match per group.
type EquityTable struct {
	Dim string
	// Best is the value of the group with the highest share among those
	// not Small (the first by value on a tie); "" with HasBest false when
	// every group is Small.
	Best    string
	HasBest bool
	// Rows are ordered by value.
	Rows []EquityRow
}

// Equity computes, for every value of s.Dim, the share of people who got a
// match and their median wait, and flags the groups below 0.8 of the best
// group. rs must hold one record per person who asked for a match or is
// entitled to one (not one per proposal); a person counts as matched when
// Active is set, so pass Active only for the matches the table is about
// (for example only current ones).
func Equity(rs []Record, s EquitySpec) EquityTable {
	minSize := max(s.MinSize, 1)
	size, matched := map[string]int{}, map[string]int{}
	waits := map[string][]time.Duration{}
	for _, v := range s.Values {
		if _, ok := size[v]; !ok {
			size[v] = 0
		}
	}
	for _, r := range rs {
		v := r.Keys[s.Dim]
		size[v]++
		if r.Active.IsZero() {
			continue
		}
		matched[v]++
		if d, ok := r.Wait(); ok {
			waits[v] = append(waits[v], d)
		}
	}
	t := EquityTable{Dim: s.Dim}
	values := slices.Sorted(maps.Keys(size))
	// better reports whether group a has a strictly higher share than b,
	// cross-multiplied so no float rounding decides it.
	better := func(a, b string) bool { return int64(matched[a])*int64(size[b]) > int64(matched[b])*int64(size[a]) }
	for _, v := range values {
		if size[v] >= minSize && (!t.HasBest || better(v, t.Best)) {
			t.Best, t.HasBest = v, true
		}
	}
	for _, v := range values {
		row := EquityRow{Value: v, Size: size[v], Matched: matched[v], Small: size[v] < minSize, Wait: Summarise(waits[v])}
		if row.Size > 0 {
			row.Share = float64(row.Matched) / float64(row.Size)
		}
		if t.HasBest && matched[t.Best] > 0 {
			row.Ratio = row.Share / (float64(matched[t.Best]) / float64(size[t.Best]))
			// share_v < 4/5 share_best  <=>  5 m_v n_b < 4 m_b n_v
			row.Flagged = !row.Small &&
				FlagDen*int64(matched[v])*int64(size[t.Best]) < FlagNum*int64(matched[t.Best])*int64(size[v])
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}
