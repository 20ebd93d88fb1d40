// Package events publishes and consumes the protobuf events that services
// tell each other what happened with, on NATS JetStream.
//
// Delivery is effectively once: a publisher sets Nats-Msg-Id to the event id
// so JetStream drops a retried publish within the stream's duplicate window,
// and consumers are durable, ack explicitly and wrap their handlers with
// Idempotent so a redelivery (or a re-publish after the window) has no second
// effect. A message that cannot be handled moves to a dead-letter subject
// instead of blocking or vanishing. Trace context travels in NATS headers.
package events

// Subjects are <producer>.<entity>.<past-verb>. Each producer owns one stream
// whose subjects are "<producer>.>", so adding an event type never touches
// the stream configuration.
const (
	// StreamParticipants holds every event the participants service publishes.
	StreamParticipants = "PARTICIPANTS"
	// ParticipantsSubjects is the subject filter of StreamParticipants.
	ParticipantsSubjects = "participants.>"
	// ParticipantPrefix starts every participant event's type; consumers
	// that only care about people match on it.
	ParticipantPrefix = "participants.participant."
	// ParticipantEvents is the filter for every participant event.
	ParticipantEvents = ParticipantPrefix + ">"

	// ParticipantRegistered carries eventsv1.ParticipantRegistered.
	ParticipantRegistered = "participants.participant.registered"
	// ParticipantUpdated carries eventsv1.ParticipantUpdated.
	ParticipantUpdated = "participants.participant.updated"
	// ParticipantConsentChanged carries eventsv1.ParticipantConsentChanged.
	ParticipantConsentChanged = "participants.participant.consent_changed"
	// ParticipantDeleted carries eventsv1.ParticipantDeleted.
	ParticipantDeleted = "participants.participant.deleted"
	// ParticipantErased carries eventsv1.ParticipantErased; every consumer
	// must forget the person.
	ParticipantErased = "participants.participant.erased"
)

const (
	// StreamVolunteers holds every event the volunteers service publishes.
	StreamVolunteers = "VOLUNTEERS"
	// VolunteersSubjects is the subject filter of StreamVolunteers.
	VolunteersSubjects = "volunteers.>"
	// VolunteerPrefix starts every volunteer event's type.
	VolunteerPrefix = "volunteers.volunteer."
	// VolunteerEvents is the filter for every volunteer event.
	VolunteerEvents = VolunteerPrefix + ">"
	// OrganisationPrefix starts every organisation event's type.
	OrganisationPrefix = "volunteers.organisation."
	// OrganisationEvents is the filter for every organisation event.
	OrganisationEvents = OrganisationPrefix + ">"

	// VolunteerRegistered carries eventsv1.VolunteerRegistered.
	VolunteerRegistered = "volunteers.volunteer.registered"
	// VolunteerUpdated carries eventsv1.VolunteerUpdated.
	VolunteerUpdated = "volunteers.volunteer.updated"
	// VolunteerDeleted carries eventsv1.VolunteerDeleted.
	VolunteerDeleted = "volunteers.volunteer.deleted"
	// VolunteerErased carries eventsv1.VolunteerErased; every consumer must
	// forget the person.
	VolunteerErased = "volunteers.volunteer.erased"
	// OrganisationCreated carries eventsv1.OrganisationCreated.
	OrganisationCreated = "volunteers.organisation.created"
	// OrganisationUpdated carries eventsv1.OrganisationUpdated.
	OrganisationUpdated = "volunteers.organisation.updated"
	// OrganisationDeleted carries eventsv1.OrganisationDeleted.
	OrganisationDeleted = "volunteers.organisation.deleted"
)

const (
	// StreamDeadLetter holds messages that consumers gave up on, one subject
	// per consumer ("deadletter.<durable>"), for an operator to inspect and
	// replay.
	StreamDeadLetter = "DEADLETTER"
	// DeadLetterSubjects is the subject filter of StreamDeadLetter.
	DeadLetterSubjects = "deadletter.>"
	// DeadLetterPrefix starts every default dead-letter subject.
	DeadLetterPrefix = "deadletter."
)

// Changes returns the filter subjects of stream's events about records that
// existed before the event: every participant, volunteer and organisation
// event type but the ones that announce a new id (registered, created). A
// follower that only needs to know when something it may hold went stale
// (the gateway's cache evictions) follows these, so a registration, the
// most frequent event, costs the server no delivery and the follower no
// decode. Nil for a stream without such a list: follow all of it.
//
// A new event type about an existing record must be added here, or its
// followers miss it (TestChangesCoverEveryLaterEvent reads this file).
func Changes(stream string) []string {
	var types []string
	switch stream {
	case StreamParticipants:
		types = []string{ParticipantUpdated, ParticipantConsentChanged, ParticipantDeleted, ParticipantErased}
	case StreamVolunteers:
		types = []string{VolunteerUpdated, VolunteerDeleted, VolunteerErased, OrganisationUpdated, OrganisationDeleted}
	default:
		return nil
	}
	for i, t := range types {
		types[i] = FilterFor(t)
	}
	return types
}
