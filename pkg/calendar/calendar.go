// Package calendar says what day and what year it is for Mötesplats: in
// Sweden. The newcomers, the volunteers and the coordinators are all in
// Sweden, so a coordinator's "today" (a dinner's date, a permit's date, a
// check-in, a background check in force, a volunteer's age this year) is
// Stockholm's calendar day, never the UTC day of the server's clock:
// between midnight in Sweden and 23:00 or 22:00 UTC the two differ, and
// a service counting in UTC refused a coordinator's "today" as the
// future, or took yesterday as today (ADR 0143, 0199, 0207).
//
// Every rule and form bound that means "today" or "this year" asks this
// package with the moment of its own injectable clock (a service's now),
// so tests set the clock and the answer follows. Moments (a record's
// create time, an event's time) stay UTC timestamps: they are instants,
// not days, and are shown in this package's Zone.
package calendar

import (
	"time"
	// Embeds the time zone database: the services run in scratch images
	// with no /usr/share/zoneinfo, where Europe/Stockholm would not load.
	_ "time/tzdata"
)

// Zone is Europe/Stockholm, where the programmes run: its calendar days
// are the days every service and form counts.
var Zone = mustLoad("Europe/Stockholm")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Unreachable: time/tzdata is embedded above. A fixed CET is
		// still closer to Sweden than UTC.
		return time.FixedZone("CET", 3600)
	}
	return loc
}

// Day is the calendar day in Sweden that t falls in, as midnight UTC:
// the form time.Parse(time.DateOnly, ...) gives a date a person typed,
// so the two compare with Before and After, and AddDate counts whole
// days whatever the clocks did in between.
func Day(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Today is the day in Sweden at now, written YYYY-MM-DD: the form dates
// take in requests, records and the forms' min and max, which order as
// the days do when compared as strings.
func Today(now time.Time) string { return Day(now).Format(time.DateOnly) }

// Year is the year in Sweden at now: the year a birth year is counted
// against (at 00:30 on 1 January in Sweden it is already the new year,
// while UTC still has the old one).
func Year(now time.Time) int { return now.In(Zone).Year() }
