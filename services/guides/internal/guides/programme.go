package guides

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// offerTTL is the kit's offer time: guides' offers do not lapse (an
// approved assignment waits for both acceptances), and state never
// reports an expiry, so this only fills the kit's field.
const offerTTL = 100 * 365 * 24 * time.Hour

// programme is what guides supplies to the proposal kit: its record, the
// two parties, scope, the one unit an assignment takes of its
// organisation's capacity in the municipality and language, the fields
// each change stamps and the event it publishes. Every step of an
// assignment's life runs in the kit (docs/adr/0075).
func (s *Service) programme() proposal.Programme[*guidesv1.Assignment] {
	return proposal.Programme[*guidesv1.Assignment]{
		Name:       "guides",
		Repo:       s.Assignments,
		IDOf:       (*guidesv1.Assignment).GetId,
		Slots:      s.Slots,
		Parties:    []string{PartyNewcomer, PartyOrganisation},
		PartyIndex: partyIndex,
		State:      state,
		SetState:   setState,
		Visible: func(who auth.Claims, a *guidesv1.Assignment) bool {
			return visible(who, a.GetMunicipalityCode())
		},
		MayChange: mayChange,
		Claims: func(a *guidesv1.Assignment) []proposal.Claim {
			return []proposal.Claim{{Resource: resource(a), Units: 1}}
		},
		Capacity: func(_ context.Context, a *guidesv1.Assignment, _ proposal.Claim) (int, error) {
			return s.capacity(a), nil
		},
		OfferTTL: func(*guidesv1.Assignment) time.Duration { return offerTTL },
		Stamp:    stamp,
		Holds:    holds,
		Event:    s.changeEvent,
		// An assignment of a newcomer erased while guides was down opens
		// no more: its erasure needs only its id (docs/adr/0164).
		Unreadable: func(u store.Unreadable) *guidesv1.Assignment {
			return &guidesv1.Assignment{Id: u.Key, ParticipantId: u.Subject}
		},
		NotFound: errNotVisible,
		Now:      s.Now,
		Grace:    s.Grace,
		Logger:   s.Logger,
		Hooks:    s.Hooks,
	}
}

// partyIndex names the assignments index that finds a party's records.
var partyIndex = map[string]string{PartyNewcomer: "participant", PartyOrganisation: "organisation"}

// mayChange lets administrators, coordinators and services change
// assignments. Returns PermissionDenied.
func mayChange(who auth.Claims) error {
	if who.Role != auth.RoleAdmin && who.Role != auth.RoleCoordinator && who.Role != auth.RoleService {
		return apperr.Errorf(apperr.PermissionDenied, "your role may not change assignments")
	}
	return nil
}

// state reads the kit's lifecycle out of an assignment: approved is the
// kit's offered, assigned and active both hold the unit (the kit's
// active). No expiry is kept, so offers never lapse.
func state(a *guidesv1.Assignment) proposal.State {
	st := proposal.State{Parties: []string{PartyNewcomer, PartyOrganisation}, Accepted: map[string]time.Time{}}
	switch a.GetStatus() {
	case stProposed:
		st.Status = proposal.Proposed
	case stApproved:
		st.Status = proposal.Offered
	case stAssigned, stActive:
		st.Status = proposal.Active
	case stEnded:
		st.Status = proposal.Ended
	case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED:
		st.Status = proposal.Rejected
	case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED:
		st.Status = proposal.Declined
	case stWithdrawn:
		st.Status = proposal.Withdrawn
	}
	if a.GetNewcomerAccepted() {
		st.Accepted[PartyNewcomer] = time.Time{}
	}
	if a.GetOrganisationAccepted() {
		st.Accepted[PartyOrganisation] = time.Time{}
	}
	return st
}

// setState writes the kit's lifecycle back; an active assignment stays
// active, one that just became the kit's active is assigned.
func setState(a *guidesv1.Assignment, st proposal.State) {
	switch st.Status {
	case proposal.Proposed:
		a.Status = stProposed
	case proposal.Offered:
		a.Status = stApproved
	case proposal.Active:
		if a.GetStatus() != stActive {
			a.Status = stAssigned
		}
	case proposal.Ended:
		a.Status = stEnded
	case proposal.Rejected, proposal.Replaced:
		a.Status = eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_REJECTED
	case proposal.Declined:
		a.Status = eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_DECLINED
	case proposal.Withdrawn, proposal.Expired:
		a.Status = stWithdrawn
	}
	_, a.NewcomerAccepted = st.Accepted[PartyNewcomer]
	_, a.OrganisationAccepted = st.Accepted[PartyOrganisation]
}

// stamp records a change's guides fields: its times and end reasons.
func stamp(a *guidesv1.Assignment, ch proposal.Change) {
	now := timestamppb.New(ch.Now)
	switch ch.Kind {
	case proposal.KindActivated:
		if ch.Previous != proposal.Active { // not Activate: the guidance starting
			a.AssignTime = now
		}
	case proposal.KindDeclined:
		a.EndTime = now
		a.DeclineReason = proposalv1.DeclineReason(ch.Reason)
		a.DeclinedBy = partyCode(ch.Party)
	case proposal.KindRejected:
		a.EndTime = now
		a.RejectReason = proposalv1.RejectReason(ch.Reason)
	case proposal.KindEnded, proposal.KindWithdrawn:
		a.EndTime = now
		a.EndReason = eventsv1.AssignmentEndReason(ch.Reason)
		if ch.Left {
			a.EndReason = eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_OPTED_OUT
			if ch.Party == PartyOrganisation {
				a.EndReason = eventsv1.AssignmentEndReason_ASSIGNMENT_END_REASON_ORGANISATION_LEFT
			}
		}
	}
}

// holds reports whether a already holds the reason (and, for a decline,
// the party) stamp writes for ch: a reject, decline or end sent again
// after its answer was lost then stands, one for another reason or by
// the other party is refused as before (ADR 0273).
func holds(a *guidesv1.Assignment, ch proposal.Change) bool {
	switch ch.Kind {
	case proposal.KindRejected:
		return a.GetRejectReason() == proposalv1.RejectReason(ch.Reason)
	case proposal.KindDeclined:
		return a.GetDeclinedBy() == partyCode(ch.Party) && a.GetDeclineReason() == proposalv1.DeclineReason(ch.Reason)
	case proposal.KindEnded:
		return a.GetEndReason() == eventsv1.AssignmentEndReason(ch.Reason)
	}
	return false
}

// changeEvent is the AssignmentChanged event of a change (ids and facts
// only); an erasure's carries the assignment id alone, since it must not
// name the newcomer after the purge.
func (s *Service) changeEvent(a *guidesv1.Assignment, ch proposal.Change) (*eventsv1.Envelope, error) {
	if ch.Kind == proposal.KindErased {
		return events.NewEnvelope(ch.EventID, events.AssignmentChanged, a.GetId(), ch.Now,
			&eventsv1.AssignmentChanged{AssignmentId: a.GetId()})
	}
	return events.NewEnvelope(ch.EventID, events.AssignmentChanged, a.GetId(), ch.Now, &eventsv1.AssignmentChanged{
		AssignmentId: a.GetId(), ParticipantId: a.GetParticipantId(), OrganisationId: a.GetOrganisationId(),
		MunicipalityCode: a.GetMunicipalityCode(), Language: a.GetLanguage(), Status: a.GetStatus(),
		EndReason: a.GetEndReason(), JobId: a.GetJobId(),
		RejectReason: a.GetRejectReason(), DeclineReason: a.GetDeclineReason(), DeclinedBy: a.GetDeclinedBy()})
}

// partyCode is the events' code of a kit party name.
func partyCode(party string) eventsv1.AssignmentParty {
	switch party {
	case PartyNewcomer:
		return eventsv1.AssignmentParty_ASSIGNMENT_PARTY_NEWCOMER
	case PartyOrganisation:
		return eventsv1.AssignmentParty_ASSIGNMENT_PARTY_ORGANISATION
	}
	return eventsv1.AssignmentParty_ASSIGNMENT_PARTY_UNSPECIFIED
}
