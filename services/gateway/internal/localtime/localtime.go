// Package localtime is the one way the gateway's pages and the mp CLI
// show a moment: in Stockholm's time, where the programmes run. The web
// app showed 14:05 while mp printed 13:05 for the same message (UTC,
// without a zone); both now read the zone here, and the CLI prints the
// zone's abbreviation (CET or CEST) so a line read out of context is
// still exact.
package localtime

import (
	"time"
	// Embeds the time zone database: mp is often built on a machine with
	// only Go, and runs where /usr/share/zoneinfo may be missing.
	_ "time/tzdata"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/calendar"
)

// Zone is Europe/Stockholm, the zone every service counts its days in
// (pkg/calendar), so a page, a CLI line and a report agree on the day.
var Zone = calendar.Zone

// Format is t in Stockholm's time with the zone's abbreviation,
// "2026-01-15 14:05:00 CET" in winter and "2026-07-15 14:05:00 CEST" in
// summer: what every mp command prints for a moment.
func Format(t time.Time) string {
	return t.In(Zone).Format("2006-01-02 15:04:05 MST")
}

// Stamp is Format of a protobuf timestamp, and "-" for an unset one, so
// a column never shows 1970-01-01 01:00:00 CET for "not yet".
func Stamp(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return Format(t.AsTime())
}

// DaysSince is how many Stockholm calendar days lie between since and
// now (0 on the same day, never negative): the web app's and mp's
// "väntat N dagar", counted on days at midnight UTC so the count is
// whole whatever the clocks did in between.
func DaysSince(since, now time.Time) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.In(Zone).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return max(0, int(day(now).Sub(day(since)).Hours()/24))
}
