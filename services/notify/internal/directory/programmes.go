package directory

import (
	"context"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// Pair reads a mentoring pair.
func (c *Client) Pair(ctx context.Context, id string) (notice.Pair, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.mentoring.GetPair(ctx, &mentoringv1.GetPairRequest{Id: id})
	if err != nil {
		return notice.Pair{}, fromStatus(err)
	}
	p := res.GetPair()
	st := p.GetStatus()
	return notice.Pair{ParticipantID: p.GetParticipantId(), VolunteerID: p.GetVolunteerId(), OrganisationID: p.GetOrganisationId(),
		Municipality: p.GetMunicipalityCode(), ExpireTime: timeOf(p.GetOfferExpireTime().AsTime(), p.GetOfferExpireTime() != nil),
		Offered: st == eventsv1.PairStatus_PAIR_STATUS_OFFERED, NewcomerAccepted: p.GetNewcomerAcceptTime() != nil,
		MentorAccepted: p.GetMentorAcceptTime() != nil, Active: st == eventsv1.PairStatus_PAIR_STATUS_ACTIVE,
		Ended: st == eventsv1.PairStatus_PAIR_STATUS_ENDED}, nil
}

func timeOf(t time.Time, ok bool) time.Time {
	if !ok {
		return time.Time{}
	}
	return t
}

// Seating reads a seating with its sign-up's diets and its offer's address.
func (c *Client) Seating(ctx context.Context, id string) (notice.Seating, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.dinners.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: id})
	if err != nil {
		return notice.Seating{}, fromStatus(err)
	}
	s := res.GetSeating()
	st := s.GetStatus()
	out := notice.Seating{ParticipantID: s.GetParticipantId(), VolunteerID: s.GetVolunteerId(), OrganisationID: s.GetOrganisationId(),
		Municipality: s.GetMunicipalityCode(), Date: s.GetDate(), StartTime: s.GetStartTime(),
		RsvpDeadline: timeOf(s.GetRsvpDeadline().AsTime(), s.GetRsvpDeadline() != nil), PartySize: int(s.GetPartySize()),
		Invited: st == eventsv1.SeatingStatus_SEATING_STATUS_INVITED, Confirmed: st == eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED,
		GuestAccepted: s.GetGuestAcceptTime() != nil, HostAccepted: s.GetHostAcceptTime() != nil}
	if su, err := c.dinners.GetSignUp(ctx, &dinnersv1.GetSignUpRequest{Id: s.GetSignUpId()}); err == nil {
		for _, d := range su.GetSignUp().GetDiets() {
			out.Diets = append(out.Diets, int32(d))
		}
	} else if apperr.ErrorCode(fromStatus(err)) != apperr.NotFound {
		return notice.Seating{}, fromStatus(err)
	}
	if out.Confirmed {
		if of, err := c.dinners.GetOffer(ctx, &dinnersv1.GetOfferRequest{Id: s.GetOfferId()}); err == nil {
			out.Address = offerAddress(of.GetOffer())
		} else if apperr.ErrorCode(fromStatus(err)) != apperr.NotFound {
			return notice.Seating{}, fromStatus(err)
		}
	}
	return out, nil
}

// Assignment reads a guide assignment and its organisation's name. guides
// answers a service's GetAssignment only after its index holds every write
// made before the call on any replica, so an approval made a moment ago on
// the other replica reads as approved, not as a withdrawn offer (ADR 0198,
// 0206).
func (c *Client) Assignment(ctx context.Context, id string) (notice.Assignment, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	res, err := c.guides.GetAssignment(ctx, &guidesv1.GetAssignmentRequest{Id: id})
	if err != nil {
		return notice.Assignment{}, fromStatus(err)
	}
	a := res.GetAssignment()
	out := notice.Assignment{ParticipantID: a.GetParticipantId(), OrganisationID: a.GetOrganisationId(),
		Municipality: a.GetMunicipalityCode(), Approved: a.GetStatus() == eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED,
		NewcomerAccepted: a.GetNewcomerAccepted()}
	org, err := c.volunteers.GetOrganisation(ctx, &volunteersv1.GetOrganisationRequest{Id: a.GetOrganisationId()})
	if err != nil {
		return notice.Assignment{}, fromStatus(err)
	}
	out.OrganisationName = org.GetOrganisation().GetName()
	return out, nil
}

// answerContext carries a short service token for one answer, as
// notify-link (auth.AnswerLinkSubject): the programme checks capacity and
// expiry and writes its own events and audit as for any answer, and
// records notify-link as who acted. Notify's key may sign no coordinator
// (ADR 0210: it could then read every person of any organisation it
// named), and the programmes let notify-link call only the answers
// (pkg/service.Callers). It replaces the connection's service token
// (auth.OutgoingContext takes precedence over it).
func (c *Client) answerContext(ctx context.Context, _ notice.AnswerCall) (context.Context, error) {
	tok, err := c.signer.Sign(auth.Claims{Subject: AnswerSubject, Role: auth.RoleService, Issuer: Subject}, time.Minute)
	if err != nil {
		return nil, err
	}
	return auth.OutgoingContext(ctx, tok), nil
}

// Apply records the answer through the programme's RPC.
func (c *Client) Apply(ctx context.Context, a notice.AnswerCall) error {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	ctx, err := c.answerContext(ctx, a)
	if err != nil {
		return err
	}
	accept := a.Action == pb.AnswerAction_ANSWER_ACTION_ACCEPT
	switch a.Programme {
	case pb.Programme_PROGRAMME_MENTORING:
		party := eventsv1.Party_PARTY_NEWCOMER
		if a.Role == pb.Role_ROLE_MENTOR {
			party = eventsv1.Party_PARTY_MENTOR
		}
		if accept {
			_, err = c.mentoring.AcceptOffer(ctx, &mentoringv1.AcceptOfferRequest{Id: a.ProposalID, Party: party})
		} else {
			_, err = c.mentoring.DeclineOffer(ctx, &mentoringv1.DeclineOfferRequest{Id: a.ProposalID, Party: party,
				Reason: mentoringReason(a.Reason)})
		}
	case pb.Programme_PROGRAMME_DINNERS:
		party := eventsv1.DinnerParty_DINNER_PARTY_GUEST
		if a.Role == pb.Role_ROLE_HOST {
			party = eventsv1.DinnerParty_DINNER_PARTY_HOST
		}
		if a.Action == pb.AnswerAction_ANSWER_ACTION_CANNOT_COME {
			_, err = c.dinners.CancelSeating(ctx, &dinnersv1.CancelSeatingRequest{Id: a.ProposalID})
		} else {
			req := &dinnersv1.RecordRsvpRequest{Id: a.ProposalID, Party: party, Accept: accept}
			if !accept {
				req.DeclineReason = dinnersReason(a.Reason)
			}
			_, err = c.dinners.RecordRsvp(ctx, req)
		}
	case pb.Programme_PROGRAMME_GUIDES:
		party := guidesv1.AcceptingParty_ACCEPTING_PARTY_NEWCOMER
		if accept {
			_, err = c.guides.AcceptAssignment(ctx, &guidesv1.AcceptAssignmentRequest{Id: a.ProposalID, Party: party})
		} else {
			_, err = c.guides.DeclineAssignment(ctx, &guidesv1.DeclineAssignmentRequest{Id: a.ProposalID, Party: party})
		}
	default:
		return apperr.Errorf(apperr.Invalid, "unknown programme")
	}
	return fromStatus(err)
}

func mentoringReason(r pb.DeclineReason) eventsv1.DeclineReason {
	switch r {
	case pb.DeclineReason_DECLINE_REASON_NO_TIME:
		return eventsv1.DeclineReason_DECLINE_REASON_NO_TIME
	case pb.DeclineReason_DECLINE_REASON_LANGUAGE:
		return eventsv1.DeclineReason_DECLINE_REASON_LANGUAGE
	case pb.DeclineReason_DECLINE_REASON_DISTANCE:
		return eventsv1.DeclineReason_DECLINE_REASON_DISTANCE
	case pb.DeclineReason_DECLINE_REASON_NOT_INTERESTED:
		return eventsv1.DeclineReason_DECLINE_REASON_NOT_INTERESTED
	}
	return eventsv1.DeclineReason_DECLINE_REASON_OTHER
}

func dinnersReason(r pb.DeclineReason) eventsv1.RsvpDeclineReason {
	switch r {
	case pb.DeclineReason_DECLINE_REASON_DATE:
		return eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_DATE
	case pb.DeclineReason_DECLINE_REASON_DISTANCE:
		return eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_DISTANCE
	case pb.DeclineReason_DECLINE_REASON_ILLNESS:
		return eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_ILLNESS
	case pb.DeclineReason_DECLINE_REASON_HOUSEHOLD:
		return eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_HOUSEHOLD
	case pb.DeclineReason_DECLINE_REASON_NOT_INTERESTED:
		return eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_NOT_INTERESTED
	}
	return eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_OTHER
}

// offerAddress is the host's address when the offer has one (the
// optional sealed field dinners added for notify).
func offerAddress(o *dinnersv1.Offer) string { return o.GetAddress() }
