package volunteer

import (
	"fmt"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
)

func validate(val *apperr.Validator, field string, v *pb.Volunteer, now time.Time) {
	people.Identity(val, field, v, "is required (the id of the organisation the volunteer acts for)")
	validateRoles(val, field+".roles", v.GetRoles())
	people.Interests(val, field+".interests", v.GetInterests())
	people.Enum(val, field+".gender", v.GetGender(), false)
	people.Availability(val, field+".availability", v.GetAvailability())
	people.Diets(val, field+".diets_served", v.GetDietsServed())
	validateCheck(val, field+".background_check", v.GetBackgroundCheck(), now)
	if n := v.GetHouseholdSize(); n < 1 || n > people.MaxHouseholdSize {
		val.Add(field+".household_size", fmt.Sprintf("must be between 1 and %d", people.MaxHouseholdSize))
	}
	if y, last := v.GetBirthYear(), int32(now.Year()-MinAge); y != 0 && (y < MinBirthYear || y > last) {
		val.Add(field+".birth_year", fmt.Sprintf("must be between %d and %d (volunteers are at least %d), or 0 when not given", MinBirthYear, last, MinAge))
	}
	if val.Valid() {
		people.RecordSize(val, field, v)
	}
}

func validateRoles(val *apperr.Validator, field string, roles []*eventsv1.RoleCapacity) {
	if len(roles) > MaxRoles {
		val.Add(field, fmt.Sprintf("must list at most %d roles, each once", MaxRoles))
		return
	}
	seen := map[eventsv1.VolunteerRole]bool{}
	for i, r := range roles {
		f := fmt.Sprintf("%s[%d]", field, i)
		people.Enum(val, f+".role", r.GetRole(), true)
		if r.GetRole() != 0 && seen[r.GetRole()] {
			val.Add(f+".role", "is listed twice; give each role once with its capacity")
		}
		seen[r.GetRole()] = true
		if c := r.GetCapacity(); c < 0 || c > MaxRoleCapacity {
			val.Add(f+".capacity", fmt.Sprintf("must be between 0 and %d", MaxRoleCapacity))
		}
	}
}

// validateCheck keeps the background check to its status: when seen, the
// day, who saw it and until when it holds; when not seen, nothing.
func validateCheck(val *apperr.Validator, field string, bc *pb.BackgroundCheck, now time.Time) {
	if bc == nil {
		return
	}
	if !bc.GetSeen() {
		if bc.GetSeenDate() != "" || bc.GetVerifier() != "" || bc.GetValidUntil() != "" {
			val.Add(field+".seen", "must be true when a date, verifier or validity is given")
		}
		return
	}
	if bc.GetSeenDate() == "" {
		val.Add(field+".seen_date", "is required when seen (YYYY-MM-DD)")
	} else {
		people.Date(val, field+".seen_date", bc.GetSeenDate(), now)
	}
	switch vu := bc.GetValidUntil(); {
	case vu == "":
		val.Add(field+".valid_until", "is required when seen (YYYY-MM-DD)")
	default:
		d, err := time.Parse(time.DateOnly, vu)
		if err != nil {
			val.Add(field+".valid_until", "must be a date written YYYY-MM-DD")
			break
		}
		if s, err := time.Parse(time.DateOnly, bc.GetSeenDate()); err == nil && d.Before(s) {
			val.Add(field+".valid_until", "must not be before seen_date")
		}
	}
	if !ids.Valid(bc.GetVerifier()) {
		val.Add(field+".verifier", "is required when seen: the user id of who saw the extract (1 to 64 letters, digits, '-' or '_')")
	}
}
