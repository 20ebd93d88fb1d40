package volunteer

import (
	"time"

	"github.com/motesplats/motesplats/pkg/calendar"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// Facts is what other services learn about v at now: no names, contact
// details, birth year or background-check details, only whether the check
// is in force and an age band. The result shares v's slices and messages
// (languages, roles, availability ...): every caller packs it into an event
// at once (events.NewEnvelope encodes the payload), before v can change, so
// a deep copy per event bought nothing (as participants', ADR 0167).
func Facts(v *pb.Volunteer, now time.Time) *eventsv1.VolunteerFacts {
	return &eventsv1.VolunteerFacts{
		VolunteerId:          v.GetId(),
		OrganisationId:       v.GetOrganisationId(),
		MunicipalityCode:     v.GetMunicipalityCode(),
		Languages:            v.GetLanguages(),
		Roles:                v.GetRoles(),
		Interests:            v.GetInterests(),
		Gender:               v.GetGender(),
		Availability:         v.GetAvailability(),
		DietsServed:          v.GetDietsServed(),
		BackgroundCheckValid: CheckValid(v.GetBackgroundCheck(), now),
		BackgroundCheckValidUntil: func() string {
			if v.GetBackgroundCheck().GetSeen() {
				return v.GetBackgroundCheck().GetValidUntil()
			}
			return ""
		}(),
		HouseholdSize: v.GetHouseholdSize(),
		AgeBand:       AgeBand(v.GetBirthYear(), now),
	}
}

// CheckValid reports whether a background check is in force on now's date
// in Sweden (calendar.Today: a check valid until 31 December holds until
// midnight there, not until 01:00): seen, and that day between the day
// seen and the last valid day, inclusive.
func CheckValid(bc *pb.BackgroundCheck, now time.Time) bool {
	if !bc.GetSeen() || bc.GetSeenDate() == "" || bc.GetValidUntil() == "" {
		return false
	}
	today := calendar.Today(now)
	// YYYY-MM-DD strings order as the dates do.
	return bc.GetSeenDate() <= today && today <= bc.GetValidUntil()
}

// AgeBand is people.AgeBand, kept for callers of this package.
func AgeBand(birthYear int32, now time.Time) int32 { return people.AgeBand(birthYear, now) }
