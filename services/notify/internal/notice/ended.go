package notice

import (
	"context"
	"errors"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
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
	done func(*pb.Tracked), plan func(...Planned) error) error {
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
	return plan(to...)
}

// pairErased tells the one left of a mentoring pair whose other person
// was erased, before the pair is forgotten. The erasure event says which
// side was erased, never who, and what the pair was at that moment; the
// one left is read from what notify tracked. An event that does not say
// the side (from before ADR 0148) tells nobody.
//
// Only this event plans the message, not the person's own erasure
// (Forget): that one may reach notify before the pair's last change (an
// activation a moment earlier), so what notify tracked then is not what
// became of the pair. The pair's erasure comes after all of the pair's
// changes on the same stream, and says its status itself (ADR 0153).
func (s *Service) pairErased(ctx context.Context, e *eventsv1.MentoringPairErased) error {
	if e.GetErasedParty() == eventsv1.Party_PARTY_UNSPECIFIED {
		return nil
	}
	t, _, err := s.d.Tracked.Get(ctx, e.GetPairId())
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil // never offered to anyone, or told already (a redelivery)
	}
	if err != nil {
		return err
	}
	if t.GetProgramme() != pb.Programme_PROGRAMME_MENTORING {
		return nil
	}
	tmpl := erasureTemplate(e.GetStatus(), t.GetState())
	p := Planned{CauseID: t.GetId() + "/erased", Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: t.GetId(),
		OrganisationID: t.GetOrganisationId(), Municipality: t.GetMunicipalityCode(), Template: tmpl}
	if e.GetErasedParty() == eventsv1.Party_PARTY_NEWCOMER {
		p.PersonID, p.Volunteer, p.Role = t.GetVolunteerId(), true, pb.Role_ROLE_MENTOR
	} else {
		p.PersonID, p.Role = t.GetParticipantId(), pb.Role_ROLE_NEWCOMER
	}
	if tmpl == pb.Template_TEMPLATE_PAIR_ENDED {
		p.EndReason, p.Date = eventsv1.EndReason_END_REASON_LEFT_PROGRAMME, e.GetActiveDate()
		if p.Date == "" {
			p.Date = s.day(t.GetActiveTime())
		}
	}
	if tmpl == pb.Template_TEMPLATE_UNSPECIFIED || p.PersonID == "" || p.Role == t.GetErased() {
		return nil
	}
	return s.Plan(ctx, p)
}

// erasureTemplate is what the one left of a pair is told of the other's
// erasure: that it ended if it had begun, that it will not happen if it
// was only offered. The erased person gets nothing, and the message names
// neither them nor anything of theirs: the pair's first day alone, so a
// mentor of several newcomers knows which pair it was.
//
// status is the pair's when erased; tracked is notify's state of it, which
// says whether the one left was offered it at all (no offer, nothing to
// take back) and whether a change notify handled told them already (done:
// a decline, a withdrawal or an end did). A pair that closed a moment
// before the erasure, its change purged before notify got it, is told as
// its status says. An event from before ADR 0153 has no status: notify's
// tracking decides, as it did then.
func erasureTemplate(status eventsv1.PairStatus, tracked pb.TrackedState) pb.Template {
	if tracked != pb.TrackedState_TRACKED_STATE_OFFERED && tracked != pb.TrackedState_TRACKED_STATE_CONFIRMED {
		return pb.Template_TEMPLATE_UNSPECIFIED
	}
	switch status {
	case eventsv1.PairStatus_PAIR_STATUS_UNSPECIFIED:
		if tracked == pb.TrackedState_TRACKED_STATE_CONFIRMED {
			return pb.Template_TEMPLATE_PAIR_ENDED
		}
		return pb.Template_TEMPLATE_CANCELLATION
	case eventsv1.PairStatus_PAIR_STATUS_ACTIVE, eventsv1.PairStatus_PAIR_STATUS_ENDED:
		return pb.Template_TEMPLATE_PAIR_ENDED
	case eventsv1.PairStatus_PAIR_STATUS_OFFERED, eventsv1.PairStatus_PAIR_STATUS_DECLINED,
		eventsv1.PairStatus_PAIR_STATUS_WITHDRAWN:
		return pb.Template_TEMPLATE_CANCELLATION
	}
	return pb.Template_TEMPLATE_UNSPECIFIED // expired: no one is told of that
}

// forgetTracked drops erased person's part in tracked proposal t. A
// mentoring pair offered or active keeps the other one's id, and nothing
// of the person's, until the pair's own erasure says what became of it
// (pairErased): the sweeps leave it alone meanwhile. Anything else is
// removed, with nothing left to tell: a dinner's erasure is the seating's
// (ADR 0148 covers pairs only), a pair that is done told its end already,
// and a pair whose other side was erased before has no one left.
func (s *Service) forgetTracked(ctx context.Context, t *pb.Tracked, personID string) error {
	now := timestamppb.New(s.d.Now().UTC())
	_, _, err := s.d.Tracked.Update(ctx, t.GetId(), func(cur *pb.Tracked, _ uint64) (store.Change, error) {
		st := cur.GetState()
		if cur.GetProgramme() != pb.Programme_PROGRAMME_MENTORING || cur.GetErased() != pb.Role_ROLE_UNSPECIFIED ||
			st != pb.TrackedState_TRACKED_STATE_OFFERED && st != pb.TrackedState_TRACKED_STATE_CONFIRMED {
			return nil, errDrop
		}
		if cur.GetParticipantId() == personID {
			cur.Erased, cur.ParticipantId = pb.Role_ROLE_NEWCOMER, ""
		} else {
			cur.Erased, cur.VolunteerId = pb.Role_ROLE_MENTOR, ""
		}
		cur.UpdateTime = now
		return nil, nil
	})
	if errors.Is(err, errDrop) {
		return ignoreNotFound(s.d.Tracked.Remove(ctx, t.GetId(), true))
	}
	return ignoreNotFound(err)
}

// errDrop tells forgetTracked's update to remove the record instead.
var errDrop = errors.New("drop the tracked proposal")

// blankErased keeps a pair's erased side out of its tracking and out of
// what a later change of the pair plans: an erasure that reached notify
// before the pair's last change must not bring the person's id back.
func blankErased(t *pb.Tracked) {
	switch t.GetErased() {
	case pb.Role_ROLE_NEWCOMER:
		t.ParticipantId = ""
	case pb.Role_ROLE_MENTOR:
		t.VolunteerId = ""
	}
}

// roleOf is the message role of a pair's side.
func roleOf(p eventsv1.Party) pb.Role {
	switch p {
	case eventsv1.Party_PARTY_NEWCOMER:
		return pb.Role_ROLE_NEWCOMER
	case eventsv1.Party_PARTY_MENTOR:
		return pb.Role_ROLE_MENTOR
	}
	return pb.Role_ROLE_UNSPECIFIED
}

// notTo is ps without the messages to role (an erased side).
func notTo(role pb.Role, ps []Planned) []Planned {
	if role == pb.Role_ROLE_UNSPECIFIED {
		return ps
	}
	out := ps[:0:0]
	for _, p := range ps {
		if p.Role != role {
			out = append(out, p)
		}
	}
	return out
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
