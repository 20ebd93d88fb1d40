package calendar

import (
	"testing"
	"time"
)

// TestTheDayInSweden pins the day and the year at the edges where UTC's
// differ: New Year's first half hour in Sweden (23:30 UTC on 31 December
// in winter, CET), a summer night (22:30 UTC is 00:30 CEST), and the
// moments just before each Swedish midnight.
func TestTheDayInSweden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		now   time.Time
		today string
		year  int
	}{
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2027-01-01", 2027},
		{time.Date(2026, 12, 31, 22, 59, 59, 0, time.UTC), "2026-12-31", 2026},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "2027-01-01", 2027},
		{time.Date(2027, 6, 30, 22, 30, 0, 0, time.UTC), "2027-07-01", 2027},
		{time.Date(2027, 6, 30, 21, 59, 59, 0, time.UTC), "2027-06-30", 2027},
		{time.Date(2028, 2, 28, 23, 30, 0, 0, time.UTC), "2028-02-29", 2028},
	} {
		if got := Today(tc.now); got != tc.today {
			t.Errorf("Today(%s) = %s, want %s", tc.now, got, tc.today)
		}
		if got := Year(tc.now); got != tc.year {
			t.Errorf("Year(%s) = %d, want %d", tc.now, got, tc.year)
		}
		if got, want := Day(tc.now), time.Date(0, 0, 0, 0, 0, 0, 0, time.UTC); got.Format(time.DateOnly) != tc.today || got.Location() != want.Location() || got.Hour() != 0 {
			t.Errorf("Day(%s) = %s, want %s at midnight UTC", tc.now, got, tc.today)
		}
	}
	if Zone.String() != "Europe/Stockholm" {
		t.Errorf("Zone = %s, want Europe/Stockholm", Zone)
	}
}
