package pool

import (
	"fmt"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
)

// participantFact decodes a participants event. ok is false for a type
// that says nothing about one participant; an undecodable payload or a
// missing id is permanent (retrying cannot fix it).
func participantFact(env *eventsv1.Envelope) (f fact[*eventsv1.ParticipantFacts], ok bool, err error) {
	msg, err := env.GetPayload().UnmarshalNew()
	if err != nil {
		return f, false, events.Permanent(fmt.Errorf("pool: payload of %s: %w", env.GetType(), err))
	}
	switch m := msg.(type) {
	case *eventsv1.ParticipantRegistered:
		f.facts = m.GetFacts()
	case *eventsv1.ParticipantUpdated:
		f.facts = m.GetFacts()
	case *eventsv1.ParticipantConsentChanged:
		f.facts, f.id = m.GetFacts(), m.GetParticipantId()
	case *eventsv1.ParticipantDeleted:
		f.id = m.GetParticipantId()
	case *eventsv1.ParticipantErased:
		f.id, f.erased = m.GetParticipantId(), true
	default:
		return f, false, nil
	}
	if f.facts != nil {
		f.id = f.facts.GetParticipantId()
		shareParticipantCodes(f.facts)
	}
	if !ids.Valid(f.id) {
		return f, false, events.Permanent(fmt.Errorf("pool: %s without a valid participant id", env.GetType()))
	}
	return f, true, nil
}

// volunteerFact decodes a volunteers event about a volunteer, as
// participantFact.
func volunteerFact(env *eventsv1.Envelope) (f fact[*eventsv1.VolunteerFacts], ok bool, err error) {
	msg, err := env.GetPayload().UnmarshalNew()
	if err != nil {
		return f, false, events.Permanent(fmt.Errorf("pool: payload of %s: %w", env.GetType(), err))
	}
	switch m := msg.(type) {
	case *eventsv1.VolunteerRegistered:
		f.facts = m.GetFacts()
	case *eventsv1.VolunteerUpdated:
		f.facts = m.GetFacts()
	case *eventsv1.VolunteerDeleted:
		f.id = m.GetVolunteerId()
	case *eventsv1.VolunteerErased:
		f.id, f.erased = m.GetVolunteerId(), true
	default:
		return f, false, nil
	}
	if f.facts != nil {
		f.id = f.facts.GetVolunteerId()
		shareVolunteerCodes(f.facts)
	}
	if !ids.Valid(f.id) {
		return f, false, events.Permanent(fmt.Errorf("pool: %s without a valid volunteer id", env.GetType()))
	}
	return f, true, nil
}

// organisationFact decodes a volunteers event about an organisation, as
// participantFact (an organisation is deleted, never erased).
func organisationFact(env *eventsv1.Envelope) (f fact[*eventsv1.OrganisationFacts], ok bool, err error) {
	msg, err := env.GetPayload().UnmarshalNew()
	if err != nil {
		return f, false, events.Permanent(fmt.Errorf("pool: payload of %s: %w", env.GetType(), err))
	}
	switch m := msg.(type) {
	case *eventsv1.OrganisationCreated:
		f.facts = m.GetFacts()
	case *eventsv1.OrganisationUpdated:
		f.facts = m.GetFacts()
	case *eventsv1.OrganisationDeleted:
		f.id = m.GetOrganisationId()
	default:
		return f, false, nil
	}
	if f.facts != nil {
		f.id = f.facts.GetOrganisationId()
	}
	if !ids.Valid(f.id) {
		return f, false, events.Permanent(fmt.Errorf("pool: %s without a valid organisation id", env.GetType()))
	}
	return f, true, nil
}

// shareParticipantCodes replaces the strings of f that many people share
// (organisation, municipality, language codes, interests, a date) by
// their canonical copies (store.Canonical), in place: f is decoded for
// one event alone (ApplyParticipant). A side holds every person of its
// programme for as long as the process runs and the collector walks them
// all in every cycle (ADR 0204); without this each record kept its own
// copy, decoded from its event, of a handful of values. The person's own
// ids are left alone (one each: a canonical copy would only add an
// entry), and so is registered_at, which records parse, never keep.
func shareParticipantCodes(f *eventsv1.ParticipantFacts) {
	f.OrganisationId = store.Canonical(f.OrganisationId)
	f.MunicipalityCode = store.Canonical(f.MunicipalityCode)
	f.ResidencePermitDate = store.Canonical(f.ResidencePermitDate)
	for _, l := range f.Languages {
		l.Code = store.Canonical(l.Code)
	}
	store.CanonicalAll(f.Interests)
}

// shareVolunteerCodes is shareParticipantCodes for a volunteer's facts.
func shareVolunteerCodes(f *eventsv1.VolunteerFacts) {
	f.OrganisationId = store.Canonical(f.OrganisationId)
	f.MunicipalityCode = store.Canonical(f.MunicipalityCode)
	f.BackgroundCheckValidUntil = store.Canonical(f.BackgroundCheckValidUntil)
	for _, l := range f.Languages {
		l.Code = store.Canonical(l.Code)
	}
	store.CanonicalAll(f.Interests)
}
