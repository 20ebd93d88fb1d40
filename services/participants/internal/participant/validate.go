package participant

import (
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/people"
)

// validate checks p under field. Its parts are checked with names
// relative to the participant and named in full only when they have a
// violation (apperr.Validator.Under).
func validate(v *apperr.Validator, field string, p *pb.Participant, now time.Time) {
	var e apperr.Validator
	people.Identity(&e, "", p, "is required")
	people.Enum(&e, "swedish_level", p.GetSwedishLevel(), false)
	people.Household(&e, "household", p.GetHousehold().GetSize(), p.GetHousehold().GetMemberAges())
	people.Interests(&e, "interests", p.GetInterests())
	people.Diets(&e, "diets", p.GetDiets())
	people.Enum(&e, "gender", p.GetGender(), false)
	people.Availability(&e, "availability", p.GetAvailability())
	people.Date(&e, "residence_permit_date", p.GetResidencePermitDate(), now)
	people.Enum(&e, "establishment_status", p.GetEstablishmentStatus(), false)
	people.Enum(&e, "parental_leave", p.GetParentalLeave(), false)
	people.BirthYear(&e, "birth_year", p.GetBirthYear(), now, 0)
	if p.GetWantsSameGenderMentor() && p.GetGender() == 0 {
		e.Add("wants_same_gender_mentor", "needs the participant's gender to be given")
	}
	v.Under(field, &e)
	if v.Valid() {
		people.RecordSize(v, field, p)
	}
}

func validateConsent(v *apperr.Validator, field string, c *pb.Consent, now time.Time) {
	people.Enum(v, field+".purpose", c.GetPurpose(), true)
	switch tv := c.GetTextVersion(); {
	case tv == "":
		v.Add(field+".text_version", "is required: the version of the consent text shown")
	case len(tv) > 32 || !ids.Valid(tv):
		v.Add(field+".text_version", "must be 1 to 32 letters, digits, '-' or '_'")
	}
	people.Language(v, field+".language", c.GetLanguage(), true)
	if t := c.GetGivenTime(); t != nil && (!t.IsValid() || t.AsTime().After(now.Add(time.Minute))) {
		v.Add(field+".given_time", "must be a valid time, not in the future")
	}
	if c.GetWithdrawnTime() != nil {
		v.Add(field+".withdrawn_time", "is set by WithdrawConsent, not here")
	}
}
