package report

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// people makes n records in group v, the first matched of them matched
// after waiting wait each.
func people(v string, n, matched int, wait time.Duration) []Record {
	since := utc("2026-01-01T10:00:00Z")
	out := make([]Record, n)
	for i := range out {
		out[i] = Record{Keys: map[string]string{"gender": v}, Since: since}
		if i < matched {
			out[i].Active = since.Add(wait)
		}
	}
	return out
}

func join(rss ...[]Record) []Record {
	var out []Record
	for _, rs := range rss {
		out = append(out, rs...)
	}
	return out
}

func TestEquity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []Record
		spec EquitySpec
		want EquityTable
	}{
		{"empty input", nil, EquitySpec{Dim: "gender"}, EquityTable{Dim: "gender"}},
		{"groups of size 0 are listed, small and unflagged", nil,
			EquitySpec{Dim: "gender", MinSize: 5, Values: []string{"woman", "man"}},
			EquityTable{Dim: "gender", Rows: []EquityRow{
				{Value: "man", Small: true},
				{Value: "woman", Small: true},
			}}},
		{"one person", people("woman", 1, 1, 10*day), EquitySpec{Dim: "gender"},
			EquityTable{Dim: "gender", Best: "woman", HasBest: true, Rows: []EquityRow{
				{Value: "woman", Size: 1, Matched: 1, Share: 1, Ratio: 1, Wait: Stats{1, 10 * day, 10 * day}},
			}}},
		{"exactly 0.8 of the best is not flagged, below is", join(
			people("man", 10, 10, 20*day),   // 100%
			people("woman", 10, 8, 30*day),  // 80%: not below
			people("other", 20, 15, 40*day), // 75%: below
		), EquitySpec{Dim: "gender", MinSize: 10},
			EquityTable{Dim: "gender", Best: "man", HasBest: true, Rows: []EquityRow{
				{Value: "man", Size: 10, Matched: 10, Share: 1, Ratio: 1, Wait: Stats{10, 20 * day, 20 * day}},
				{Value: "other", Size: 20, Matched: 15, Share: 0.75, Ratio: 0.75, Wait: Stats{15, 40 * day, 40 * day}, Flagged: true},
				{Value: "woman", Size: 10, Matched: 8, Share: 0.8, Ratio: 0.8, Wait: Stats{8, 30 * day, 30 * day}},
			}}},
		{"a small group is neither the best nor flagged", join(
			people("man", 2, 2, day),      // 100% but small
			people("woman", 2, 0, 0),      // 0% but small
			people("other", 10, 5, 2*day), // 50%: the best large group
		), EquitySpec{Dim: "gender", MinSize: 3},
			EquityTable{Dim: "gender", Best: "other", HasBest: true, Rows: []EquityRow{
				{Value: "man", Size: 2, Matched: 2, Share: 1, Ratio: 2, Wait: Stats{2, day, day}, Small: true},
				{Value: "other", Size: 10, Matched: 5, Share: 0.5, Ratio: 1, Wait: Stats{5, 2 * day, 2 * day}},
				{Value: "woman", Size: 2, Small: true},
			}}},
		{"nobody matched: nothing to compare, nobody flagged", join(
			people("man", 5, 0, 0), people("woman", 5, 0, 0),
		), EquitySpec{Dim: "gender"},
			EquityTable{Dim: "gender", Best: "man", HasBest: true, Rows: []EquityRow{
				{Value: "man", Size: 5}, {Value: "woman", Size: 5},
			}}},
		{"a tie for the best takes the first by value; missing key is its own group", join(
			people("woman", 4, 2, day), people("man", 6, 3, day), people("", 4, 1, day),
		), EquitySpec{Dim: "gender"},
			EquityTable{Dim: "gender", Best: "man", HasBest: true, Rows: []EquityRow{
				{Value: "", Size: 4, Matched: 1, Share: 0.25, Ratio: 0.5, Wait: Stats{1, day, day}, Flagged: true},
				{Value: "man", Size: 6, Matched: 3, Share: 0.5, Ratio: 1, Wait: Stats{3, day, day}},
				{Value: "woman", Size: 4, Matched: 2, Share: 0.5, Ratio: 1, Wait: Stats{2, day, day}},
			}}},
		{"the wait needs a known start", []Record{
			{Keys: map[string]string{"gender": "man"}, Active: utc("2026-03-01T10:00:00Z")},
		}, EquitySpec{Dim: "gender"},
			EquityTable{Dim: "gender", Best: "man", HasBest: true, Rows: []EquityRow{
				{Value: "man", Size: 1, Matched: 1, Share: 1, Ratio: 1},
			}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Equity(tt.in, tt.spec)
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty(), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("Equity (-want +got):\n%s", diff)
			}
		})
	}
}
