package notice

import (
	"context"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/services/notify/internal/catalog"
)

// endWords is the reason a pair-ended message gives (ADR 0148). Only a
// reason that is nobody's own is told: the term ran its course, or the two
// lost contact. "Did not get on" would hand one of them the coordinator's
// judgement, "moved" or "no time" a fact of the other's life, "left the
// programme" the other's withdrawal or erasure, "other" words the
// coordinator never wrote for them: those say only that the pair ended.
func endWords(r eventsv1.EndReason) catalog.Reason {
	switch r {
	case eventsv1.EndReason_END_REASON_COMPLETED:
		return catalog.EndedCompleted
	case eventsv1.EndReason_END_REASON_LOST_CONTACT:
		return catalog.EndedLostContact
	}
	return ""
}

// pairEnded marks an ended pair done and tells its people: the other one
// when one of them left the programme (the one who left withdrew, or is no
// longer a mentor: they are not written to about it), else both (a
// coordinator ended it, with any reason, "left the programme" included:
// the coordinator did not say who).
func (s *Service) pairEnded(ctx context.Context, e *eventsv1.MentoringPairChanged, newcomer, mentor Planned,
	done func(*pb.Tracked)) error {
	var began *timestamppb.Timestamp
	if err := s.track(ctx, e.GetFacts().GetPairId(), func(t *pb.Tracked) {
		began = t.GetActiveTime()
		done(t)
	}); err != nil {
		return err
	}
	var to []Planned
	switch {
	case e.GetParty() == eventsv1.Party_PARTY_NEWCOMER:
		to = []Planned{mentor}
	case e.GetParty() == eventsv1.Party_PARTY_MENTOR:
		to = []Planned{newcomer}
	default:
		to = []Planned{newcomer, mentor}
	}
	for i := range to {
		to[i].Template, to[i].EndReason, to[i].Date = pb.Template_TEMPLATE_PAIR_ENDED, e.GetEndReason(), s.day(began)
	}
	return s.Plan(ctx, to...)
}

// pairErased tells the one left of a mentoring pair whose other person
// was erased, before the pair is forgotten: the erasure event says which
// side was erased, never who, and the pair's people are read from what
// notify tracked. An event that does not say the side (from before ADR
// 0148) tells nobody.
func (s *Service) pairErased(ctx context.Context, e *eventsv1.MentoringPairErased) error {
	if e.GetErasedParty() == eventsv1.Party_PARTY_UNSPECIFIED {
		return nil
	}
	t, _, err := s.d.Tracked.Get(ctx, e.GetPairId())
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil // never offered, or the person's own erasure got here first (Forget)
	}
	if err != nil {
		return err
	}
	return s.leftBehind(ctx, t, e.GetErasedParty() == eventsv1.Party_PARTY_NEWCOMER)
}

// leftBehind plans the message to the one of tracked pair t who was not
// erased: a pair that was active ended, an offer will not happen. The
// erased person gets nothing (they are gone), and the message names
// neither them nor anything of theirs: the pair's first day alone, so a
// mentor of several newcomers knows which pair it was.
//
// Both the pair's erasure event and the person's own (Forget), whichever
// notify handles first, call it, and the other then finds no tracking
// left. The cause is the pair's, not either event's, so the two plan one
// message even when they run at once on two replicas.
func (s *Service) leftBehind(ctx context.Context, t *pb.Tracked, erasedNewcomer bool) error {
	if t.GetProgramme() != pb.Programme_PROGRAMME_MENTORING {
		return nil
	}
	p := Planned{CauseID: t.GetId() + "/erased", Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: t.GetId(),
		OrganisationID: t.GetOrganisationId(), Municipality: t.GetMunicipalityCode()}
	if erasedNewcomer {
		p.PersonID, p.Volunteer, p.Role = t.GetVolunteerId(), true, pb.Role_ROLE_MENTOR
	} else {
		p.PersonID, p.Role = t.GetParticipantId(), pb.Role_ROLE_NEWCOMER
	}
	switch t.GetState() {
	case pb.TrackedState_TRACKED_STATE_CONFIRMED:
		p.Template, p.EndReason, p.Date = pb.Template_TEMPLATE_PAIR_ENDED, eventsv1.EndReason_END_REASON_LEFT_PROGRAMME, s.day(t.GetActiveTime())
	case pb.TrackedState_TRACKED_STATE_OFFERED:
		p.Template = pb.Template_TEMPLATE_CANCELLATION
	default:
		return nil
	}
	if p.PersonID == "" {
		return nil
	}
	return s.Plan(ctx, p)
}

// namesNoOne reports whether a template's text tells nothing of the other
// party, so that erasing the proposal need not blank what was sent.
func namesNoOne(t pb.Template) bool {
	return t == pb.Template_TEMPLATE_CANCELLATION || t == pb.Template_TEMPLATE_PAIR_ENDED
}

// day is ts's day in Stockholm (the quiet hours' zone, as every date a
// message prints), or "" when unknown.
func (s *Service) day(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().In(s.d.Quiet.Location).Format(time.DateOnly)
}
