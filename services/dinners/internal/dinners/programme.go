package dinners

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// Reasons dinners gives the kit's changes (proposal.Change.Reason): why a
// seating ended or was closed, and which of its own changes a KindChanged
// is.
const (
	endHeld           int32 = 1 // attendance recorded: the dinner took place
	endGuestCancelled int32 = 2 // the guest cancelled a confirmed seating
	endTableCancelled int32 = 3 // the host's dinner was cancelled
	endSignUpRemoved  int32 = 4 // the sign-up was deleted

	changeResized  int32 = 1 // the party's size changed
	changeFeedback int32 = 2 // one side gave feedback
)

// seatResource is a dinner's key in the seat counters: one offer on one
// date, whose capacity is the offer's seats.
func seatResource(offerID, date string) string { return offerID + "_" + date }

// programme is what dinners supplies to the proposal kit: its record,
// parties, scope, capacity in seats (a party of n takes n), the fields
// each change stamps and the event it publishes. Every step of a
// seating's life (invitation, RSVPs with their seats, expiry, leavers,
// size changes of confirmed parties, crash recovery) runs in the kit
// (docs/adr/0038).
func (s *Service) programme(seats *proposal.Slots) proposal.Programme[*pb.Seating] {
	return proposal.Programme[*pb.Seating]{
		Name:       "dinners",
		Repo:       s.seatings,
		IDOf:       (*pb.Seating).GetId,
		Slots:      seats,
		Parties:    parties,
		PartyIndex: map[string]string{partyGuest: "participant", partyHost: "volunteer"},
		State:      state,
		SetState:   setState,
		Visible: func(who auth.Claims, p *pb.Seating) bool {
			return who.CanSee(p.GetOrganisationId(), p.GetMunicipalityCode())
		},
		MayChange: canAct,
		Claims: func(p *pb.Seating) []proposal.Claim {
			return []proposal.Claim{{Resource: seatResource(p.GetOfferId(), p.GetDate()), Units: int(p.GetPartySize()), What: "dinner"}}
		},
		Capacity: func(ctx context.Context, p *pb.Seating, _ proposal.Claim) (int, error) {
			o, _, err := s.offers.Get(ctx, p.GetOfferId())
			if err != nil {
				return 0, notFound(err, "offer")
			}
			return int(o.GetSeats()), nil
		},
		OfferTTL: func(p *pb.Seating) time.Duration {
			now := s.now().UTC()
			return s.rsvpDeadline(p, now).Sub(now)
		},
		CanOffer: func(_ context.Context, p *pb.Seating) error {
			if now := s.now().UTC(); !s.rsvpDeadline(p, now).After(now) {
				return apperr.Errorf(apperr.FailedPrecondition, "the dinner is too close for an invitation")
			}
			return nil
		},
		Stamp: s.stamp,
		Holds: holds,
		// A host or guest who leaves (not erased) does not undo a dinner
		// whose day has passed: its confirmed seating took place or not
		// and awaits its attendance, as DeleteOffer keeps it (ADR 0282).
		KeepsOnLeave: func(p *pb.Seating) bool {
			return p.GetStatus() == confirmed && p.GetDate() < s.today()
		},
		Event: s.event,
		// A seating of a guest erased while dinners was down opens no
		// more: its erasure needs only its id (docs/adr/0164).
		Unreadable: func(u store.Unreadable) *pb.Seating {
			return &pb.Seating{Id: u.Key, ParticipantId: u.Subject, VolunteerId: u.Named}
		},
		NotFound: apperr.Errorf(apperr.NotFound, "seating not found"),
		Now:      s.now,
		IDs:      s.ids,
		Logger:   s.log,
	}
}

// rsvpDeadline is when an invitation made at now to seating p lapses.
func (s *Service) rsvpDeadline(p *pb.Seating, now time.Time) time.Time {
	return s.rules.For(p.GetOrganisationId()).RSVPDeadline(now, startOf(p.GetDate(), p.GetStartTime()))
}

// stamp records a change's dinners fields. A seating ended for any
// reason but attendance, or a table's open seating closed, is cancelled:
// dinners' own final status, which the kit reads as withdrawn.
func (s *Service) stamp(p *pb.Seating, ch proposal.Change) {
	p.DecideTime, p.UpdatedBy = timestamppb.New(ch.Now), ch.By
	switch ch.Kind {
	case proposal.KindOffered:
		p.InviteTime = timestamppb.New(ch.Now)
	case proposal.KindRejected:
		p.RejectReason = proposalv1.RejectReason(ch.Reason)
	case proposal.KindDeclined:
		p.DeclinedBy, p.DeclineReason = partyEnum(ch.Party), eventsv1.RsvpDeclineReason(ch.Reason)
	case proposal.KindEnded:
		if ch.Reason == endHeld && !ch.Left {
			return // held
		}
		p.Status, p.CancelReason = cancelled, cancelReason(ch)
		if ch.Reason == endGuestCancelled {
			p.CancelledLate = s.rules.For(p.GetOrganisationId()).LateCancel(ch.Now, startOf(p.GetDate(), p.GetStartTime()))
		}
	case proposal.KindWithdrawn:
		if ch.Reason == endTableCancelled {
			p.Status, p.CancelReason = cancelled, cancelReason(ch)
		}
	}
}

// cancelReason is why change ch cancels a seating, kept on it so a
// retried CancelSeating can tell its own cancel from another (ADR 0280).
func cancelReason(ch proposal.Change) pb.SeatingCancelReason {
	switch {
	case ch.Left:
		return pb.SeatingCancelReason_SEATING_CANCEL_REASON_LEFT
	case ch.Reason == endGuestCancelled:
		return pb.SeatingCancelReason_SEATING_CANCEL_REASON_GUEST
	case ch.Reason == endTableCancelled:
		return pb.SeatingCancelReason_SEATING_CANCEL_REASON_DINNER_CANCELLED
	case ch.Reason == endSignUpRemoved:
		return pb.SeatingCancelReason_SEATING_CANCEL_REASON_SIGN_UP_REMOVED
	}
	return pb.SeatingCancelReason_SEATING_CANCEL_REASON_UNSPECIFIED
}

// holds reports whether p already holds the reason (and, for a decline,
// the party) stamp writes for ch: a reject or an RSVP decline sent again
// after its answer was lost then stands, one for another reason or by the
// other side is refused as before (ADR 0273). Dinners' ends are its own
// steps (attendance, cancellation), not the kit's End.
func holds(p *pb.Seating, ch proposal.Change) bool {
	switch ch.Kind {
	case proposal.KindRejected:
		return p.GetRejectReason() == proposalv1.RejectReason(ch.Reason)
	case proposal.KindDeclined:
		return p.GetDeclinedBy() == partyEnum(ch.Party) && p.GetDeclineReason() == eventsv1.RsvpDeclineReason(ch.Reason)
	}
	return false
}

// subjects of the seating events, by kind of change; withdrawn, ended and
// changed depend on the change (subjectOf).
var subjects = map[proposal.Kind]string{
	proposal.KindProposed:  events.SeatingProposed,
	proposal.KindOffered:   events.SeatingInvited,
	proposal.KindRejected:  events.SeatingRejected,
	proposal.KindAccepted:  events.SeatingAccepted,
	proposal.KindActivated: events.SeatingConfirmed,
	proposal.KindDeclined:  events.SeatingDeclined,
	proposal.KindExpired:   events.SeatingExpired,
}

func subjectOf(p *pb.Seating, ch proposal.Change) string {
	switch {
	case ch.Kind == proposal.KindWithdrawn && p.GetStatus() == cancelled, ch.Kind == proposal.KindEnded && p.GetStatus() == cancelled:
		return events.SeatingCancelled
	case ch.Kind == proposal.KindWithdrawn:
		return events.SeatingWithdrawn
	case ch.Kind == proposal.KindEnded:
		return events.SeatingHeld
	case ch.Kind == proposal.KindChanged && ch.Reason == changeFeedback:
		return events.SeatingFeedback
	case ch.Kind == proposal.KindChanged:
		return events.SeatingResized
	}
	return subjects[ch.Kind]
}

// event is the event of a change: the seating's facts and what changed,
// or for an erasure the seating id alone.
func (s *Service) event(p *pb.Seating, ch proposal.Change) (*eventsv1.Envelope, error) {
	if ch.Kind == proposal.KindErased {
		return events.NewEnvelope(ch.EventID, events.SeatingErased, p.GetId(), ch.Now, &eventsv1.DinnerSeatingErased{SeatingId: p.GetId()})
	}
	msg := &eventsv1.DinnerSeatingChanged{Facts: facts(p), PreviousStatus: eventsv1.SeatingStatus(ch.Previous)}
	switch {
	case ch.Kind == proposal.KindAccepted, ch.Kind == proposal.KindActivated, ch.Kind == proposal.KindChanged && ch.Reason == changeFeedback:
		msg.Party = partyEnum(ch.Party)
	case ch.Kind == proposal.KindDeclined:
		msg.Party, msg.DeclineReason = partyEnum(ch.Party), p.GetDeclineReason()
	case ch.Kind == proposal.KindRejected:
		msg.RejectReason = p.GetRejectReason() // a code, never free text (ADR 0064)
	case ch.Kind == proposal.KindEnded && ch.Reason == endGuestCancelled:
		msg.Party = eventsv1.DinnerParty_DINNER_PARTY_GUEST
	}
	return events.NewEnvelope(ch.EventID, subjectOf(p, ch), p.GetId(), ch.Now, msg)
}

func partyEnum(name string) eventsv1.DinnerParty {
	if name == partyHost {
		return eventsv1.DinnerParty_DINNER_PARTY_HOST
	}
	return eventsv1.DinnerParty_DINNER_PARTY_GUEST
}

// raced turns the kit's "another answer or change of this seating is in
// flight" (Unavailable) into dinners' documented Aborted: answer again.
func raced(err error) error {
	if apperr.ErrorCode(err) == apperr.Unavailable {
		return apperr.Errorf(apperr.Conflict, "the seating changed at the same time; answer again")
	}
	return err
}
