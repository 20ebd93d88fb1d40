package pairs

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/calendar"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/store"
)

// programme is what mentoring supplies to the proposal kit: its record,
// parties, scope, capacity, the fields each change stamps and the event it
// publishes. Every step of a pair's life runs in the kit.
func (s *Service) programme(slots *proposal.Slots) proposal.Programme[*pb.Pair] {
	return proposal.Programme[*pb.Pair]{
		Name:       "mentoring",
		Repo:       s.repo,
		IDOf:       (*pb.Pair).GetId,
		Slots:      slots,
		Parties:    parties,
		PartyIndex: map[string]string{partyNew: "participant", partyMentor: "volunteer"},
		State:      state,
		SetState:   setState,
		Visible:    canSee,
		MayChange:  canAct,
		// A pair sealed with an erased newcomer's key that this replica
		// never loaded (mentoring was down during the erasure, ADR 0162)
		// is erased by the kit from the ids kept beside its seal: the
		// mentor is the one its shared part names (ADR 0164).
		Unreadable: func(u store.Unreadable) *pb.Pair {
			return &pb.Pair{Id: u.Key, ParticipantId: u.Subject, VolunteerId: u.Named}
		},
		Claims: func(p *pb.Pair) []proposal.Claim {
			return []proposal.Claim{
				{Resource: p.GetVolunteerId(), Units: 1, What: "mentor"},
				{Resource: p.GetParticipantId(), Units: 1, What: "newcomer"},
			}
		},
		Capacity: func(_ context.Context, p *pb.Pair, c proposal.Claim) (int, error) {
			if c.What == "newcomer" {
				return 1, nil
			}
			n, ok := s.mentorCapacity(p.GetVolunteerId(), p.GetOrganisationId())
			if !ok {
				return 0, errMentorGone
			}
			return n, nil
		},
		OfferTTL: func(p *pb.Pair) time.Duration {
			now := s.now().UTC()
			return s.rules.For(p.GetOrganisationId()).OfferExpiry(now).Sub(now)
		},
		CanOffer: func(_ context.Context, p *pb.Pair) error {
			if _, ok := s.pool.Newcomer(p.GetParticipantId()); !ok {
				return apperr.Errorf(apperr.FailedPrecondition, "the newcomer is no longer in the mentoring pool")
			}
			if _, ok := s.pool.Mentor(p.GetVolunteerId()); !ok {
				return errMentorGone
			}
			return nil
		},
		Stamp:    s.stamp,
		Holds:    holds,
		Event:    s.event,
		NotFound: errPairNotFound,
		Now:      s.now,
		IDs:      s.ids,
		Logger:   s.log,
	}
}

var errMentorGone = apperr.Errorf(apperr.FailedPrecondition, "the mentor is no longer in the mentoring pool")

// stamp records a change's mentoring fields: its times and reasons.
func (s *Service) stamp(p *pb.Pair, ch proposal.Change) {
	p.UpdatedBy = ch.By
	now := timestamppb.New(ch.Now)
	switch ch.Kind {
	case proposal.KindOffered:
		p.DecideTime, p.OfferTime = now, now
	case proposal.KindRejected:
		p.DecideTime, p.RejectReason = now, eventsv1.RejectReason(ch.Reason)
	case proposal.KindReplaced:
		p.DecideTime, p.ReplacedBy = now, ch.Related
	case proposal.KindAccepted:
		answered(p, ch)
	case proposal.KindActivated:
		p.ActiveTime = now
		// The term runs from the day the pair became active in Sweden.
		p.TermEndDate = calendar.Day(ch.Now).AddDate(0, s.rules.For(p.GetOrganisationId()).TermMonths, 0).Format(time.DateOnly)
		answered(p, ch) // the acceptance that completes the pair
	case proposal.KindDeclined:
		p.DecideTime, p.DeclineReason, p.DeclinedBy = now, eventsv1.DeclineReason(ch.Reason), partyOf(ch.Party)
		answered(p, ch)
	case proposal.KindExpired, proposal.KindWithdrawn:
		p.DecideTime = now
	case proposal.KindEnded:
		p.EndTime, p.EndReason = now, eventsv1.EndReason(ch.Reason)
		if ch.Left {
			p.EndReason = eventsv1.EndReason_END_REASON_LEFT_PROGRAMME
		}
	}
}

// holds reports whether p already holds the reason (and, for a decline,
// the party) stamp writes for ch: a reject, decline or end sent again
// after its answer was lost then stands, and one for another reason or
// by the other party is refused as before (ADR 0273).
func holds(p *pb.Pair, ch proposal.Change) bool {
	switch ch.Kind {
	case proposal.KindRejected:
		return p.GetRejectReason() == eventsv1.RejectReason(ch.Reason)
	case proposal.KindDeclined:
		return p.GetDeclinedBy() == partyOf(ch.Party) && p.GetDeclineReason() == eventsv1.DeclineReason(ch.Reason)
	case proposal.KindEnded:
		return p.GetEndReason() == eventsv1.EndReason(ch.Reason)
	}
	return false
}

// answered records who recorded a party's answer (its acceptance or
// decline): the answer link's subject or a coordinator's. The gateway's
// pair history reads it rather than inferring it from updated_by, which
// the next change overwrites, and the audit log (docs/adr/0094).
func answered(p *pb.Pair, ch proposal.Change) {
	switch ch.Party {
	case partyNew:
		p.NewcomerAnsweredBy = ch.By
	case partyMentor:
		p.MentorAnsweredBy = ch.By
	}
}

// subjects of the pair-changed events, by kind of change.
var subjects = map[proposal.Kind]string{
	proposal.KindProposed:  events.PairProposed,
	proposal.KindOffered:   events.PairOffered,
	proposal.KindRejected:  events.PairRejected,
	proposal.KindReplaced:  events.PairReplaced,
	proposal.KindAccepted:  events.PairAccepted,
	proposal.KindActivated: events.PairActivated,
	proposal.KindDeclined:  events.PairDeclined,
	proposal.KindExpired:   events.PairExpired,
	proposal.KindWithdrawn: events.PairWithdrawn,
	proposal.KindEnded:     events.PairEnded,
}

// event is the event of a change: the pair's facts and what changed, or
// for an erasure the pair id alone.
func (s *Service) event(p *pb.Pair, ch proposal.Change) (*eventsv1.Envelope, error) {
	if ch.Kind == proposal.KindErased {
		// The erased side, never an id (ADR 0148), and what the pair was
		// when erased: notify tells the other one from these, whichever of
		// the pair's last change and the person's erasure it got first
		// (ADR 0153).
		msg := &eventsv1.MentoringPairErased{PairId: p.GetId(), ErasedParty: partyOf(ch.Party),
			Status: eventsv1.PairStatus(ch.Previous)}
		if at := p.GetActiveTime(); at != nil {
			msg.ActiveDate = calendar.Today(at.AsTime())
		}
		return events.NewEnvelope(ch.EventID, events.PairErased, p.GetId(), ch.Now, msg)
	}
	msg := &eventsv1.MentoringPairChanged{Facts: facts(p), PreviousStatus: eventsv1.PairStatus(ch.Previous)}
	switch ch.Kind {
	case proposal.KindProposed, proposal.KindReplaced:
		msg.RelatedPairId = ch.Related
	case proposal.KindRejected:
		msg.RejectReason = p.GetRejectReason()
	case proposal.KindAccepted, proposal.KindActivated:
		msg.Party = partyOf(ch.Party)
	case proposal.KindDeclined:
		msg.Party, msg.DeclineReason = partyOf(ch.Party), p.GetDeclineReason()
	case proposal.KindEnded:
		msg.EndReason = p.GetEndReason()
		if ch.Left {
			// Who left, so notify tells the other one only (ADR 0148).
			msg.Party = partyOf(ch.Party)
		}
	}
	return events.NewEnvelope(ch.EventID, subjects[ch.Kind], p.GetId(), ch.Now, msg)
}

func partyOf(name string) eventsv1.Party {
	if name == partyMentor {
		return eventsv1.Party_PARTY_MENTOR
	}
	return eventsv1.Party_PARTY_NEWCOMER
}
