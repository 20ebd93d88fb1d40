package report

import (
	"fmt"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
)

// Stockholm is the zone whose calendar months reports count in: a funder's
// "March" is March in Sweden, so a pair activated at 23:30 UTC on the last
// day of February belongs to March in winter (CET) and at 22:30 UTC on the
// last day of March to April in summer (CEST). It is calendar.Zone, the
// one zone every service's "today" is counted in (ADR 0207).
var Stockholm = calendar.Zone

// Month is a calendar month in Stockholm. The zero Month is not a month;
// Valid says so.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the Stockholm month that t falls in.
func MonthOf(t time.Time) Month {
	l := t.In(Stockholm)
	return Month{l.Year(), l.Month()}
}

// DayOf is the Stockholm calendar day that t falls in, as midnight UTC:
// the form time.Parse(time.DateOnly, ...) gives a date a person typed, so
// the two compare. The UTC day is the day before for the first hour or
// two after midnight in Sweden, when a coordinator's "today" is not yet
// today by UTC (ADR 0143).
// It is calendar.Day, kept for the reports' callers.
func DayOf(t time.Time) time.Time { return calendar.Day(t) }

// EndOfDayAfter is the last second (23:59:59) of the Stockholm day that
// falls days after t's: when an answer given "by" a day may come at the
// latest. People read an answer-by as a whole day, so an offer lapsing at
// its approval's minute that many days on refused an afternoon's answer
// (ADR 0137, 0148).
func EndOfDayAfter(t time.Time, days int) time.Time {
	y, m, d := t.In(Stockholm).AddDate(0, 0, days).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, Stockholm).Add(-time.Second)
}

// ParseMonth reads "YYYY-MM". ok is false for anything else, including a
// month 13 or a year outside 1000-9999.
func ParseMonth(s string) (m Month, ok bool) {
	t, err := time.Parse("2006-01", s)
	if err != nil || t.Year() < 1000 {
		return Month{}, false
	}
	return Month{t.Year(), t.Month()}, true
}

// Valid reports whether m is a month (January to December).
func (m Month) Valid() bool { return m.Month >= time.January && m.Month <= time.December }

// String is "YYYY-MM", the form the APIs carry.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// Add is the month n months after m (before it for a negative n).
func (m Month) Add(n int) Month {
	k := m.Year*12 + int(m.Month) - 1 + n
	return Month{floorDiv(k, 12), time.Month(k - floorDiv(k, 12)*12 + 1)}
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Start is midnight at the start of the month's first day in Stockholm.
// The next month's Start ends it, so a month is 743 or 745 hours long in
// the months where the clocks change.
func (m Month) Start() time.Time {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, Stockholm)
}

// Before reports whether m comes before o.
func (m Month) Before(o Month) bool {
	return m.Year < o.Year || (m.Year == o.Year && m.Month < o.Month)
}

// Period is the months From to To, both included.
type Period struct {
	From, To Month
}

// MaxMonths bounds a period: ten years from its first month. Longer
// periods are refused rather than computed, so a request cannot make a
// report loop over centuries.
const MaxMonths = 121

// LastMonths is the n months up to and including now's month, the default
// period of a report.
func LastMonths(now time.Time, n int) Period {
	to := MonthOf(now)
	return Period{From: to.Add(1 - n), To: to}
}

// Start is when the period begins; End is when it ends (exclusive).
func (p Period) Start() time.Time { return p.From.Start() }

// End is the start of the month after To: the period's exclusive end.
func (p Period) End() time.Time { return p.To.Add(1).Start() }

// Contains reports whether t is inside the period. The zero time (an
// event that did not happen) never is.
func (p Period) Contains(t time.Time) bool {
	return !t.IsZero() && !t.Before(p.Start()) && t.Before(p.End())
}

// Months lists the period's months in order; empty when To is before
// From.
func (p Period) Months() []Month {
	var out []Month
	for m := p.From; !p.To.Before(m); m = m.Add(1) {
		out = append(out, m)
	}
	return out
}

// CheckPeriod reads a report request's first and last month ("YYYY-MM",
// fields from_month and to_month) into v. An empty from or to takes its
// value from the default period: the twelve months up to now's month.
// Violations: not YYYY-MM; to before from; more than MaxMonths months.
func CheckPeriod(v *apperr.Validator, from, to string, now time.Time) Period {
	p := LastMonths(now, 12)
	okFrom, okTo := true, true
	if from != "" {
		p.From, okFrom = ParseMonth(from)
	}
	if to != "" {
		p.To, okTo = ParseMonth(to)
	}
	v.Check(okFrom, "from_month", "must be YYYY-MM")
	v.Check(okTo, "to_month", "must be YYYY-MM")
	if okFrom && okTo && (p.To.Before(p.From) || !p.To.Before(p.From.Add(MaxMonths))) {
		v.Add("to_month", "must be from from_month to 10 years after it")
	}
	return p
}
