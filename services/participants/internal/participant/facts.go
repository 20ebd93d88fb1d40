package participant

import (
	"slices"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// HasConsent reports whether p has consent in force for purpose at now.
func HasConsent(p *pb.Participant, purpose eventsv1.ConsentPurpose, now time.Time) bool {
	for _, c := range p.GetConsents() {
		if c.GetPurpose() == purpose && c.GetWithdrawnTime() == nil && !c.GetGivenTime().AsTime().After(now) {
			return true
		}
	}
	return false
}

// Facts is what other services learn about p: no names, contact details or
// free text. The result shares p's slices and messages (languages,
// interests, availability ...): an event packs it (events.NewEnvelope
// encodes the payload) before p can change, so a copy of them per event
// bought nothing.
func Facts(p *pb.Participant, now time.Time) *eventsv1.ParticipantFacts {
	f := &eventsv1.ParticipantFacts{
		ParticipantId:         p.GetId(),
		OrganisationId:        p.GetOrganisationId(),
		MunicipalityCode:      p.GetMunicipalityCode(),
		Languages:             p.GetLanguages(),
		SwedishLevel:          p.GetSwedishLevel(),
		HouseholdSize:         p.GetHousehold().GetSize(),
		HouseholdMemberAges:   p.GetHousehold().GetMemberAges(),
		Interests:             p.GetInterests(),
		Diets:                 p.GetDiets(),
		Gender:                p.GetGender(),
		Availability:          p.GetAvailability(),
		EstablishmentStatus:   p.GetEstablishmentStatus(),
		ParentalLeave:         p.GetParentalLeave(),
		ResidencePermitDate:   p.GetResidencePermitDate(),
		WantsSameGenderMentor: p.GetWantsSameGenderMentor(),
		AgeBand:               people.AgeBand(p.GetBirthYear(), now),
	}
	if t := p.GetCreateTime(); t != nil {
		f.RegisteredAt = t.AsTime().UTC().Format(time.RFC3339)
	}
	for _, c := range p.GetConsents() {
		if c.GetWithdrawnTime() == nil && !slices.Contains(f.ConsentedPurposes, c.GetPurpose()) {
			f.ConsentedPurposes = append(f.ConsentedPurposes, c.GetPurpose())
			// When it was given, so mentoring counts a newcomer's wait
			// from their consent as the gateway did (ADR 0172).
			if t := c.GetGivenTime(); t != nil {
				f.ConsentsGiven = append(f.ConsentsGiven, &eventsv1.ConsentGiven{Purpose: c.GetPurpose(),
					GivenAt: t.AsTime().UTC().Format(time.RFC3339Nano)})
			}
		}
	}
	return f
}
