package volunteer

import (
	"fmt"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
)

// validate checks v under field. Its parts are checked with names relative
// to the volunteer and named in full only when they have a violation
// (apperr.Validator.Under), as participants' are (ADR 0167).
func validate(val *apperr.Validator, field string, v *pb.Volunteer, now time.Time) {
	var e apperr.Validator
	people.Identity(&e, "", v, "is required (the id of the organisation the volunteer acts for)")
	validateRoles(&e, "roles", v.GetRoles())
	people.Interests(&e, "interests", v.GetInterests())
	people.Enum(&e, "gender", v.GetGender(), false)
	people.Availability(&e, "availability", v.GetAvailability())
	people.Diets(&e, "diets_served", v.GetDietsServed())
	validateCheck(&e, "background_check", v.GetBackgroundCheck(), now)
	if n := v.GetHouseholdSize(); n < 1 || n > people.MaxHouseholdSize {
		e.Add("household_size", fmt.Sprintf("must be between 1 and %d", people.MaxHouseholdSize))
	}
	// This year is Sweden's (calendar.Year): at 00:30 on 1 January there
	// a volunteer born 16 years before is old enough, whatever UTC says.
	if y, last := v.GetBirthYear(), int32(calendar.Year(now)-MinAge); y != 0 && (y < MinBirthYear || y > last) {
		e.Add("birth_year", fmt.Sprintf("must be between %d and %d (volunteers are at least %d), or 0 when not given", MinBirthYear, last, MinAge))
	}
	val.Under(field, &e)
	if val.Valid() {
		people.RecordSize(val, field, v)
	}
}

// validateRoles checks each role into its own Validator, named
// field[i] only when it has a violation (apperr.Validator.Nest).
func validateRoles(val *apperr.Validator, field string, roles []*eventsv1.RoleCapacity) {
	if len(roles) > MaxRoles {
		val.Add(field, fmt.Sprintf("must list at most %d roles, each once", MaxRoles))
		return
	}
	seen := map[eventsv1.VolunteerRole]bool{}
	for i, r := range roles {
		var el apperr.Validator
		people.Enum(&el, "role", r.GetRole(), true)
		if r.GetRole() != 0 && seen[r.GetRole()] {
			el.Add("role", "is listed twice; give each role once with its capacity")
		}
		seen[r.GetRole()] = true
		if c := r.GetCapacity(); c < 0 || c > MaxRoleCapacity {
			el.Add("capacity", fmt.Sprintf("must be between 0 and %d", MaxRoleCapacity))
		}
		val.Nest(field, i, &el)
	}
}

// validateCheck keeps the background check to its status: when seen, the
// day, who saw it and until when it holds; when not seen, nothing.
func validateCheck(val *apperr.Validator, field string, bc *pb.BackgroundCheck, now time.Time) {
	if bc == nil {
		return
	}
	var e apperr.Validator // named within the check (Under)
	defer val.Under(field, &e)
	if !bc.GetSeen() {
		if bc.GetSeenDate() != "" || bc.GetVerifier() != "" || bc.GetValidUntil() != "" {
			e.Add("seen", "must be true when a date, verifier or validity is given")
		}
		return
	}
	if bc.GetSeenDate() == "" {
		e.Add("seen_date", "is required when seen (YYYY-MM-DD)")
	} else {
		people.Date(&e, "seen_date", bc.GetSeenDate(), now)
	}
	switch vu := bc.GetValidUntil(); {
	case vu == "":
		e.Add("valid_until", "is required when seen (YYYY-MM-DD)")
	default:
		d, err := time.Parse(time.DateOnly, vu)
		if err != nil {
			e.Add("valid_until", "must be a date written YYYY-MM-DD")
			break
		}
		if s, err := time.Parse(time.DateOnly, bc.GetSeenDate()); err == nil && d.Before(s) {
			e.Add("valid_until", "must not be before seen_date")
		}
	}
	if !ids.Valid(bc.GetVerifier()) {
		e.Add("verifier", "is required when seen: the user id of who saw the extract (1 to 64 letters, digits, '-' or '_')")
	}
}
