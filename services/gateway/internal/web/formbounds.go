package web

import (
	"strconv"
	"time"

	"github.com/motesplats/motesplats/pkg/calendar"
	"github.com/motesplats/motesplats/pkg/people"
)

// The forms' date and number fields carry the bounds the services put on
// them (min and max), so the browser offers no date or number a service
// refuses: a dinner a year and a day ahead, a birth year of 1899, a
// volunteer born this year (ADR 0199). The services still check every
// value and word the refusal in Swedish (their check is the last word: a
// form opened at 23:59 and sent at 00:01 carries yesterday's bounds);
// TestFormBoundsAreTheServices (server) holds each bound to what the
// service accepts, one past it refused.

// The services' own bounds, which the gateway cannot import (they are
// internal to each service); the server test above fails when one moves.
const (
	// volunteerMinAge is the youngest a volunteer may be (volunteers'
	// volunteer.MinAge).
	volunteerMinAge = 16
	// maxRoleCapacity bounds a volunteer's capacity in a role (volunteers'
	// volunteer.MaxRoleCapacity).
	maxRoleCapacity = 50
	// minBirthYear is the earliest birth year anyone has (pkg/people's
	// BirthYear, volunteers' MinBirthYear).
	minBirthYear = 1900
)

// formBounds are the bounds of the forms' dates and numbers on one day:
// dates as YYYY-MM-DD, numbers as the decimal strings min and max take.
type formBounds struct {
	// Today is the day in Stockholm; YearAhead the last day a dinner or a
	// sign-up's date may fall on (dinners' horizon: today plus a year,
	// ADR 0195).
	Today, YearAhead string
	// Earliest is the first day of a person's history (a residence
	// permit): pkg/people.EarliestDate.
	Earliest string
	// BirthYearMin and VolunteerBirthYearMax bound a volunteer's birth
	// year: 1900 to this year less volunteerMinAge.
	BirthYearMin, VolunteerBirthYearMax string
	// HouseholdMax is a household's largest size; AgeMax a person's
	// highest age (pkg/people).
	HouseholdMax, AgeMax string
	// RoleCapacityMax is a volunteer's largest capacity in a role.
	RoleCapacityMax string
}

// boundsAt is the forms' bounds at now. The day and year are Sweden's
// (pkg/calendar), as every service counts them (ADR 0207).
func boundsAt(now time.Time) formBounds {
	day := calendar.Day(now)
	return formBounds{
		Today:                 day.Format(time.DateOnly),
		YearAhead:             day.AddDate(1, 0, 0).Format(time.DateOnly),
		Earliest:              people.EarliestDate,
		BirthYearMin:          strconv.Itoa(minBirthYear),
		VolunteerBirthYearMax: strconv.Itoa(calendar.Year(now) - volunteerMinAge),
		HouseholdMax:          strconv.Itoa(people.MaxHouseholdSize),
		AgeMax:                strconv.Itoa(people.MaxAge),
		RoleCapacityMax:       strconv.Itoa(maxRoleCapacity),
	}
}

// within gives a field made with "field" its bounds (either may be ""
// for none).
func within(f fieldData, lo, hi string) fieldData {
	f.Min, f.Max = lo, hi
	return f
}
