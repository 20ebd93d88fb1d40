// Package report computes the figures of a programme's reports (mentoring
// pairs, dinner seats, guide assignments) as pure functions over plain
// records: counts per Stockholm month and per group, states, reasons, the
// time people waited for a match, and the equity table that shows which
// groups get matched less often. It knows no NATS, store or protobuf: a
// service selects the records in the caller's scope, converts each to a
// Record and converts the result to its API, so every programme's report
// means the same thing and is tested cell by cell here.
//
// Kinds of events and the values of breakdown keys are the caller's
// strings ("proposed", "active", "woman", "0180"); the package only counts
// them.
package report

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// Event is something that happened to a record: a proposal made, an offer
// declined, a pair ended. Reason is the enum name of why, when the kind
// has one ("DECLINE_REASON_NO_TIME").
type Event struct {
	Kind   string
	At     time.Time
	Reason string
}

// Record is one counted thing: a pair or an assignment for the month
// counts, or one person for Equity. It holds no personal data, only
// group values, times and reasons.
type Record struct {
	// Keys are the groups the record belongs to by dimension, for example
	// {"municipality": "0180", "gender": "woman", "language": "ar"}. A
	// missing dimension counts as the value "".
	Keys map[string]string
	// Events are what happened, each counted in the month it happened.
	Events []Event
	// Since is when the person started waiting (registered, became
	// entitled); zero when unknown, and then the record has no wait.
	Since time.Time
	// Active is when the match began (both parties accepted); zero when
	// it never did. Ended is when it stopped; zero while it lasts.
	Active, Ended time.Time
}

// Wait is how long the person waited for the match: Active - Since. ok is
// false when either time is unknown.
func (r Record) Wait() (time.Duration, bool) {
	if r.Since.IsZero() || r.Active.IsZero() {
		return 0, false
	}
	return r.Active.Sub(r.Since), true
}

// activeAt reports whether the match was running at t: begun before t and
// not ended before it.
func (r Record) activeAt(t time.Time) bool {
	return !r.Active.IsZero() && r.Active.Before(t) && (r.Ended.IsZero() || !r.Ended.Before(t))
}

// Counts is one cell of a report.
type Counts struct {
	// Events counts the events of each kind that happened in the cell's
	// month (or the period, for totals and groups).
	Events map[string]int
	// Active counts the records whose match was running at the end of the
	// month (or of the period): a stock, where Events are flows.
	Active int
}

// N is the count of events of kind.
func (c Counts) N(kind string) int { return c.Events[kind] }

func (c *Counts) add(kind string) {
	if c.Events == nil {
		c.Events = map[string]int{}
	}
	c.Events[kind]++
}

// empty reports whether nothing was counted.
func (c Counts) empty() bool { return len(c.Events) == 0 && c.Active == 0 }

// count adds r's events inside p to c and reports whether any was.
func (c *Counts) count(r Record, p Period) bool {
	hit := false
	for _, e := range r.Events {
		if p.Contains(e.At) {
			c.add(e.Kind)
			hit = true
		}
	}
	if r.activeAt(p.End()) {
		c.Active++
		hit = true
	}
	return hit
}

// Total counts records over the whole period: their events inside it, and
// how many were active at its end.
func Total(rs []Record, p Period) Counts {
	var c Counts
	for _, r := range rs {
		c.count(r, p)
	}
	return c
}

// Cell is the counts of one month and one value of a dimension.
type Cell struct {
	Month  Month
	Value  string
	Counts Counts
}

// ByMonth counts records per month of p and value of dimension dim: each
// event in the month it happened (Stockholm time), each running match in
// every month at whose end it ran. Only cells with a count are returned,
// ordered by month, then value.
func ByMonth(rs []Record, p Period, dim string) []Cell {
	type key struct {
		m Month
		v string
	}
	cells := map[key]*Counts{}
	cell := func(m Month, v string) *Counts {
		k := key{m, v}
		if cells[k] == nil {
			cells[k] = &Counts{}
		}
		return cells[k]
	}
	months := p.Months()
	for _, r := range rs {
		v := r.Keys[dim]
		for _, e := range r.Events {
			if p.Contains(e.At) {
				cell(MonthOf(e.At), v).add(e.Kind)
			}
		}
		if r.Active.IsZero() || !r.Active.Before(p.End()) {
			continue
		}
		for _, m := range months {
			if r.activeAt(m.Add(1).Start()) {
				cell(m, v).Active++
			}
		}
	}
	out := make([]Cell, 0, len(cells))
	for k, c := range cells {
		out = append(out, Cell{Month: k.m, Value: k.v, Counts: *c})
	}
	slices.SortFunc(out, func(a, b Cell) int {
		if a.Month != b.Month {
			if a.Month.Before(b.Month) {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Value, b.Value)
	})
	return out
}

// Group is the figures of one value of a dimension over a period.
type Group struct {
	Value  string
	Counts Counts
	// Wait is the time to a match of the records in the group whose match
	// began inside the period.
	Wait Stats
}

// Breakdown counts records per value of dimension dim over the period,
// with the wait for a match per value. A value appears when at least one
// of its records has a count in the period. Ordered by value.
func Breakdown(rs []Record, p Period, dim string) []Group {
	counts := map[string]*Counts{}
	waits := map[string][]time.Duration{}
	for _, r := range rs {
		v := r.Keys[dim]
		c := counts[v]
		if c == nil {
			c = &Counts{}
		}
		if c.count(r, p) {
			counts[v] = c
		}
		if d, ok := r.Wait(); ok && p.Contains(r.Active) {
			waits[v] = append(waits[v], d)
		}
	}
	out := make([]Group, 0, len(counts))
	for _, v := range slices.Sorted(maps.Keys(counts)) {
		out = append(out, Group{Value: v, Counts: *counts[v], Wait: Summarise(waits[v])})
	}
	return out
}

// Waits summarises the wait for a match over the records whose match began
// inside the period and whose Since is known.
func Waits(rs []Record, p Period) Stats {
	var ds []time.Duration
	for _, r := range rs {
		if d, ok := r.Wait(); ok && p.Contains(r.Active) {
			ds = append(ds, d)
		}
	}
	return Summarise(ds)
}

// Count is how often one value occurred.
type Count struct {
	Value string
	N     int
}

// Reasons counts the reasons of the events of kind that happened inside
// the period, ordered by reason. An event without a reason counts as "".
func Reasons(rs []Record, p Period, kind string) []Count {
	n := map[string]int{}
	for _, r := range rs {
		for _, e := range r.Events {
			if e.Kind == kind && p.Contains(e.At) {
				n[e.Reason]++
			}
		}
	}
	return sortedCounts(n)
}

// CountBy counts records by the value key gives them, ordered by value;
// records for which key reports false are left out. Use it for counts per
// state or per any value that is not a dated event.
func CountBy(rs []Record, key func(Record) (string, bool)) []Count {
	n := map[string]int{}
	for _, r := range rs {
		if v, ok := key(r); ok {
			n[v]++
		}
	}
	return sortedCounts(n)
}

func sortedCounts(n map[string]int) []Count {
	out := make([]Count, 0, len(n))
	for _, v := range slices.Sorted(maps.Keys(n)) {
		out = append(out, Count{Value: v, N: n[v]})
	}
	return out
}
