package people

import (
	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// Person is the part of a register's record that says who a person is
// and how to reach them: a participant and a volunteer have it alike, so
// both registers check it with Identity instead of each keeping a copy of
// the checks.
type Person interface {
	GetOrganisationId() string
	GetMunicipalityCode() string
	GetGivenName() string
	GetFamilyName() string
	GetContact() *typev1.Contact
	GetNotifications() *typev1.NotificationPreferences
	GetLanguages() []*typev1.LanguageSkill
}

// Identity checks p's Person fields under field (field+".given_name" and
// so on; with field "" plain "given_name"), in the order a form shows them: the organisation id (required;
// orgMissing is the message when it is not an id, each register saying
// what the organisation is to its people), the municipality, the given
// name (required) and family name, contact details, notification
// preferences and languages.
func Identity(v *apperr.Validator, field string, p Person, orgMissing string) {
	var e apperr.Validator // named within the person (Under)
	if !ids.Valid(p.GetOrganisationId()) {
		e.Add("organisation_id", orgMissing)
	}
	Municipality(&e, "municipality_code", p.GetMunicipalityCode())
	Name(&e, "given_name", p.GetGivenName(), true)
	Name(&e, "family_name", p.GetFamilyName(), false)
	Contact(&e, "contact", p.GetContact())
	Notifications(&e, "notifications", p.GetNotifications())
	Languages(&e, "languages", p.GetLanguages())
	v.Under(field, &e)
}
