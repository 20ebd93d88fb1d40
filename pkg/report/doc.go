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
//
// The figures:
//   - Total, ByMonth: counts of events per kind (flows) and of matches
//     running at the end of each month (the stock), per Stockholm month
//     (MonthOf, Period, CheckPeriod for a request's from_month/to_month).
//   - Breakdown: the same per value of any dimension, with the wait.
//   - Waits, Summarise, Days: median and mean time to a match.
//   - Reasons, CountBy: how often each reason or state occurs.
//   - Equity: per group, the share with a match and the median wait, the
//     groups below 0.8 of the best flagged, small groups shown but never
//     flagged.
//
// docs/adr/0045 records the choices (month boundaries, medians of ties,
// the four-fifths comparison in integers).
package report
