package report

import (
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

// tally accumulates one cell. A programme has a handful of event kinds, so
// a linear search over them is cheaper than hashing every event's kind
// into a map; the map is built once, when the cell is returned.
type tally struct {
	kinds  []string
	n      []int
	active int
	hit    bool
}

func (t *tally) add(kind string) {
	t.hit = true
	for i, k := range t.kinds {
		if k == kind {
			t.n[i]++
			return
		}
	}
	t.kinds, t.n = append(t.kinds, kind), append(t.n, 1)
}

func (t *tally) addActive() { t.hit, t.active = true, t.active+1 }

func (t *tally) counts() Counts {
	c := Counts{Active: t.active}
	if len(t.kinds) > 0 {
		c.Events = make(map[string]int, len(t.kinds))
		for i, k := range t.kinds {
			c.Events[k] = t.n[i]
		}
	}
	return c
}

// span is a period's instants, computed once: Month.Start builds a date
// in Stockholm, which costs more than the comparisons it bounds.
type span struct{ lo, hi time.Time }

func spanOf(p Period) span { return span{p.Start(), p.End()} }

func (s span) contains(t time.Time) bool { return !t.IsZero() && !t.Before(s.lo) && t.Before(s.hi) }

// count adds r's events inside s, and r's match if it runs at the end of
// s, to t.
func (t *tally) count(r Record, s span) {
	for _, e := range r.Events {
		if s.contains(e.At) {
			t.add(e.Kind)
		}
	}
	if r.activeAt(s.hi) {
		t.addActive()
	}
}

// Total counts records over the whole period: their events inside it, and
// how many were active at its end.
func Total(rs []Record, p Period) Counts {
	var t tally
	s := spanOf(p)
	for _, r := range rs {
		t.count(r, s)
	}
	return t.counts()
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
	s := spanOf(p)
	months := p.Months()
	ends := make([]time.Time, len(months))
	for i, m := range months {
		ends[i] = m.Add(1).Start()
	}
	// byValue holds one tally per month for each value that has a count.
	byValue := map[string][]tally{}
	row := func(v string) []tally {
		if byValue[v] == nil {
			byValue[v] = make([]tally, len(months))
		}
		return byValue[v]
	}
	for _, r := range rs {
		v := r.Keys[dim]
		for _, e := range r.Events {
			if s.contains(e.At) {
				// The event's month is the first whose end is after it.
				i, _ := slices.BinarySearchFunc(ends, e.At, func(end, at time.Time) int {
					if end.After(at) {
						return 1
					}
					return -1
				})
				row(v)[i].add(e.Kind)
			}
		}
		if r.Active.IsZero() || !r.Active.Before(s.hi) {
			continue
		}
		for i := range months {
			if r.activeAt(ends[i]) {
				row(v)[i].addActive()
			}
		}
	}
	values := slices.Sorted(maps.Keys(byValue))
	var out []Cell
	for i, m := range months {
		for _, v := range values {
			if t := &byValue[v][i]; t.hit {
				out = append(out, Cell{Month: m, Value: v, Counts: t.counts()})
			}
		}
	}
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
// of its records has a count or a match begun in the period. Ordered by
// value.
func Breakdown(rs []Record, p Period, dim string) []Group {
	tallies := map[string]*tally{}
	waits := map[string][]time.Duration{}
	s := spanOf(p)
	for _, r := range rs {
		v := r.Keys[dim]
		t := tallies[v]
		if t == nil {
			t = &tally{}
			tallies[v] = t
		}
		t.count(r, s)
		if d, ok := r.Wait(); ok && s.contains(r.Active) {
			waits[v] = append(waits[v], d)
		}
	}
	var out []Group
	for _, v := range slices.Sorted(maps.Keys(tallies)) {
		if t := tallies[v]; t.hit || len(waits[v]) > 0 {
			out = append(out, Group{Value: v, Counts: t.counts(), Wait: Summarise(waits[v])})
		}
	}
	return out
}

// Waits summarises the wait for a match over the records whose match began
// inside the period and whose Since is known.
func Waits(rs []Record, p Period) Stats {
	var ds []time.Duration
	s := spanOf(p)
	for _, r := range rs {
		if d, ok := r.Wait(); ok && s.contains(r.Active) {
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
	s := spanOf(p)
	for _, r := range rs {
		for _, e := range r.Events {
			if e.Kind == kind && s.contains(e.At) {
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
