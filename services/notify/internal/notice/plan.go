package notice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// Planned is one message an event or a sweep asks for, before anything
// about the person is read.
type Planned struct {
	CauseID        string // event id or reminder key
	PersonID       string
	Volunteer      bool
	Role           pb.Role
	Programme      pb.Programme
	ProposalID     string
	Template       pb.Template
	OrganisationID string
	Municipality   string
	Date           string
	// EndReason is why a pair ended (TEMPLATE_PAIR_ENDED).
	EndReason eventsv1.EndReason
}

// MessageID is the message's key: the same cause, person and template
// always give the same key, so a redelivered event or a second replica's
// sweep finds the record there and adds nothing (the idempotency key of
// ADR 0100). The channel is chosen once, at the first render, so this is
// also one message per (event, recipient, channel).
func MessageID(cause, person string, t pb.Template) string {
	sum := sha256.Sum256([]byte(cause + "\x00" + person + "\x00" + t.String()))
	return "m" + hex.EncodeToString(sum[:20])
}

// Plan stores the planned messages, once each. Returns an error only when
// the store fails (the event is then retried).
func (s *Service) Plan(ctx context.Context, ps ...Planned) error {
	now := s.d.Now().UTC()
	for _, p := range ps {
		m := &pb.StoredMessage{
			Id: MessageID(p.CauseID, p.PersonID, p.Template), CauseId: p.CauseID, PersonId: p.PersonID, Volunteer: p.Volunteer,
			OrganisationId: p.OrganisationID, MunicipalityCode: p.Municipality, Role: p.Role, Programme: p.Programme,
			ProposalId: p.ProposalID, Template: p.Template, Status: pb.DeliveryStatus_DELIVERY_STATUS_QUEUED,
			CreateTime: timestamppb.New(now), UpdateTime: timestamppb.New(now), NextAttemptTime: timestamppb.New(now),
			Date: p.Date, EndReason: p.EndReason,
		}
		if _, err := s.d.Messages.Create(ctx, m.GetId(), m); err != nil && apperr.ErrorCode(err) != apperr.AlreadyExists {
			return fmt.Errorf("plan message: %w", err)
		}
	}
	if len(ps) > 0 {
		s.nudge()
	}
	return nil
}

// track creates or changes the sweeps' view of a proposal. It returns
// errForgotten when the proposal was tracked once and removed since
// (erased, or done and swept): its key keeps the removal's marker, which
// Create refuses, so a late change of it has nothing to track. Retrying
// there without end overflowed the stack and killed the process, again at
// each redelivery (an activation that reached notify after the newcomer's
// erasure, ADR 0153).
func (s *Service) track(ctx context.Context, id string, fn func(t *pb.Tracked)) error {
	now := timestamppb.New(s.d.Now().UTC())
	for range 2 { // the second time round, another replica created it first
		_, _, err := s.d.Tracked.Update(ctx, id, func(t *pb.Tracked, _ uint64) (store.Change, error) {
			fn(t)
			t.Id, t.UpdateTime = id, now
			return nil, nil
		})
		if apperr.ErrorCode(err) != apperr.NotFound {
			return err
		}
		t := &pb.Tracked{}
		fn(t)
		t.Id, t.UpdateTime = id, now
		if _, err = s.d.Tracked.Create(ctx, id, t); apperr.ErrorCode(err) != apperr.AlreadyExists {
			return err
		}
	}
	return errForgotten
}

// errForgotten is track's answer for a proposal notify forgot: the event
// about it plans nothing and is done (see forgotten).
var errForgotten = errors.New("the proposal was forgotten")

// forgotten is err, or nil for a proposal notify forgot: nothing is
// planned for it, and retrying the event could not change that.
func forgotten(err error) error {
	if errors.Is(err, errForgotten) {
		return nil
	}
	return err
}

// closeOffered marks a proposal done and reports whether notify had
// offered it to anyone: only an offered proposal (invited, approved) has
// a record here. A proposal withdrawn before a coordinator approved it
// was never told to anyone, so its withdrawal must not send them "it will
// not happen" (outside round s25: a host who lost the role sent that to
// the guests of two proposals they had never heard of). An event
// delivered again finds the record it left and plans the same messages,
// which Plan keeps once.
func (s *Service) closeOffered(ctx context.Context, id string, fn func(t *pb.Tracked)) (bool, error) {
	now := timestamppb.New(s.d.Now().UTC())
	_, _, err := s.d.Tracked.Update(ctx, id, func(t *pb.Tracked, _ uint64) (store.Change, error) {
		fn(t)
		t.Id, t.UpdateTime = id, now
		return nil, nil
	})
	switch apperr.ErrorCode(err) {
	case "":
		return true, nil
	case apperr.NotFound:
		return false, nil
	}
	return false, err
}

// HandleMentoring plans the messages a mentoring event calls for: an
// offer to both people when a coordinator approved a pair, a cancellation
// to the other when one declines or a pair is withdrawn, and the end of an
// active pair to who is left of it (ADR 0148).
func (s *Service) HandleMentoring(ctx context.Context, env *eventsv1.Envelope) error {
	return forgotten(s.handleMentoring(ctx, env))
}

func (s *Service) handleMentoring(ctx context.Context, env *eventsv1.Envelope) error {
	if env.GetType() == events.PairCheckedIn {
		// A check-in carries MentoringCheckInRecorded, not the pair's
		// change, and calls for no message: read as a change it failed
		// and every check-in became a dead letter.
		return nil
	}
	if env.GetType() == events.PairErased {
		var e eventsv1.MentoringPairErased
		if err := env.GetPayload().UnmarshalTo(&e); err != nil {
			return events.Permanent(err)
		}
		if err := s.pairErased(ctx, &e); err != nil {
			return err
		}
		return s.forgetProposal(ctx, e.GetPairId(), roleOf(e.GetErasedParty()))
	}
	var e eventsv1.MentoringPairChanged
	if err := env.GetPayload().UnmarshalTo(&e); err != nil {
		return events.Permanent(err)
	}
	f := e.GetFacts()
	base := Planned{CauseID: env.GetId(), Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: f.GetPairId(),
		OrganisationID: f.GetOrganisationId(), Municipality: f.GetMunicipalityCode()}
	newcomer, mentor := base, base
	newcomer.PersonID, newcomer.Role = f.GetParticipantId(), pb.Role_ROLE_NEWCOMER
	mentor.PersonID, mentor.Volunteer, mentor.Role = f.GetVolunteerId(), true, pb.Role_ROLE_MENTOR
	// erased is the side whose erasure reached notify before this change
	// (forgetTracked): the change is tracked, but not their id, and
	// nothing is planned for them (ADR 0153).
	var erased pb.Role
	setState := func(st pb.TrackedState) func(*pb.Tracked) {
		return func(t *pb.Tracked) {
			t.Programme, t.OrganisationId, t.MunicipalityCode = pb.Programme_PROGRAMME_MENTORING, f.GetOrganisationId(), f.GetMunicipalityCode()
			t.ParticipantId, t.VolunteerId, t.State = f.GetParticipantId(), f.GetVolunteerId(), st
			if st == pb.TrackedState_TRACKED_STATE_CONFIRMED && t.ActiveTime == nil {
				t.ActiveTime = env.GetOccurredAt()
			}
			erased = t.GetErased()
			blankErased(t)
		}
	}
	plan := func(ps ...Planned) error { return s.Plan(ctx, notTo(erased, ps)...) }
	switch env.GetType() {
	case events.PairOffered:
		newcomer.Template, mentor.Template = pb.Template_TEMPLATE_MENTOR_OFFER, pb.Template_TEMPLATE_MENTEE_OFFER
		if err := s.track(ctx, f.GetPairId(), setState(pb.TrackedState_TRACKED_STATE_OFFERED)); err != nil {
			return err
		}
		return plan(newcomer, mentor)
	case events.PairAccepted:
		return s.track(ctx, f.GetPairId(), func(t *pb.Tracked) {
			setState(pb.TrackedState_TRACKED_STATE_OFFERED)(t)
			if e.GetParty() == eventsv1.Party_PARTY_NEWCOMER {
				t.NewcomerAnswered = true
			} else {
				t.OtherAnswered = true
			}
		})
	case events.PairActivated:
		return s.track(ctx, f.GetPairId(), setState(pb.TrackedState_TRACKED_STATE_CONFIRMED))
	case events.PairDeclined:
		if offered, err := s.closeOffered(ctx, f.GetPairId(), setState(pb.TrackedState_TRACKED_STATE_DONE)); err != nil || !offered {
			return err
		}
		other := newcomer
		if e.GetParty() == eventsv1.Party_PARTY_NEWCOMER {
			other = mentor
		}
		other.Template = pb.Template_TEMPLATE_CANCELLATION
		return plan(other)
	case events.PairWithdrawn:
		if offered, err := s.closeOffered(ctx, f.GetPairId(), setState(pb.TrackedState_TRACKED_STATE_DONE)); err != nil || !offered {
			return err
		}
		newcomer.Template, mentor.Template = pb.Template_TEMPLATE_CANCELLATION, pb.Template_TEMPLATE_CANCELLATION
		return plan(newcomer, mentor)
	case events.PairEnded:
		return s.pairEnded(ctx, &e, newcomer, mentor, setState(pb.TrackedState_TRACKED_STATE_DONE), plan)
	case events.PairExpired, events.PairRejected, events.PairReplaced:
		return s.track(ctx, f.GetPairId(), setState(pb.TrackedState_TRACKED_STATE_DONE))
	}
	return nil
}

// HandleDinners plans a dinner's messages: an invitation to the guest and
// the proposed guest to the host when a coordinator approved a seating,
// the address to the guest once both accepted, cancellations.
func (s *Service) HandleDinners(ctx context.Context, env *eventsv1.Envelope) error {
	return forgotten(s.handleDinners(ctx, env))
}

func (s *Service) handleDinners(ctx context.Context, env *eventsv1.Envelope) error {
	if env.GetType() == events.SeatingErased {
		var e eventsv1.DinnerSeatingErased
		if err := env.GetPayload().UnmarshalTo(&e); err != nil {
			return events.Permanent(err)
		}
		return s.forgetProposal(ctx, e.GetSeatingId(), pb.Role_ROLE_UNSPECIFIED)
	}
	var e eventsv1.DinnerSeatingChanged
	if err := env.GetPayload().UnmarshalTo(&e); err != nil {
		return events.Permanent(err)
	}
	f := e.GetFacts()
	base := Planned{CauseID: env.GetId(), Programme: pb.Programme_PROGRAMME_DINNERS, ProposalID: f.GetSeatingId(),
		OrganisationID: f.GetOrganisationId(), Municipality: f.GetMunicipalityCode(), Date: f.GetDate()}
	guest, host := base, base
	guest.PersonID, guest.Role = f.GetParticipantId(), pb.Role_ROLE_NEWCOMER
	host.PersonID, host.Volunteer, host.Role = f.GetVolunteerId(), true, pb.Role_ROLE_HOST
	setState := func(st pb.TrackedState) func(*pb.Tracked) {
		return func(t *pb.Tracked) {
			t.Programme, t.OrganisationId, t.MunicipalityCode = pb.Programme_PROGRAMME_DINNERS, f.GetOrganisationId(), f.GetMunicipalityCode()
			t.ParticipantId, t.VolunteerId, t.State, t.Date = f.GetParticipantId(), f.GetVolunteerId(), st, f.GetDate()
		}
	}
	switch env.GetType() {
	case events.SeatingInvited:
		guest.Template, host.Template = pb.Template_TEMPLATE_DINNER_INVITATION, pb.Template_TEMPLATE_DINNER_GUEST_PROPOSED
		if err := s.track(ctx, f.GetSeatingId(), setState(pb.TrackedState_TRACKED_STATE_OFFERED)); err != nil {
			return err
		}
		return s.Plan(ctx, guest, host)
	case events.SeatingAccepted:
		return s.track(ctx, f.GetSeatingId(), func(t *pb.Tracked) {
			setState(pb.TrackedState_TRACKED_STATE_OFFERED)(t)
			if e.GetParty() == eventsv1.DinnerParty_DINNER_PARTY_GUEST {
				t.NewcomerAnswered = true
			} else {
				t.OtherAnswered = true
			}
		})
	case events.SeatingConfirmed:
		if err := s.track(ctx, f.GetSeatingId(), setState(pb.TrackedState_TRACKED_STATE_CONFIRMED)); err != nil {
			return err
		}
		guest.Template = pb.Template_TEMPLATE_DINNER_CONFIRMED
		return s.Plan(ctx, guest)
	case events.SeatingDeclined, events.SeatingCancelled, events.SeatingWithdrawn:
		if offered, err := s.closeOffered(ctx, f.GetSeatingId(), setState(pb.TrackedState_TRACKED_STATE_DONE)); err != nil || !offered {
			return err
		}
		var ps []Planned
		guest.Template, host.Template = pb.Template_TEMPLATE_CANCELLATION, pb.Template_TEMPLATE_CANCELLATION
		if e.GetParty() != eventsv1.DinnerParty_DINNER_PARTY_GUEST {
			ps = append(ps, guest)
		}
		if e.GetParty() != eventsv1.DinnerParty_DINNER_PARTY_HOST {
			ps = append(ps, host)
		}
		return s.Plan(ctx, ps...)
	case events.SeatingExpired, events.SeatingRejected, events.SeatingHeld:
		return s.track(ctx, f.GetSeatingId(), setState(pb.TrackedState_TRACKED_STATE_DONE))
	}
	return nil
}

// HandleGuides tells a newcomer about the guide a coordinator approved.
func (s *Service) HandleGuides(ctx context.Context, env *eventsv1.Envelope) error {
	return forgotten(s.handleGuides(ctx, env))
}

func (s *Service) handleGuides(ctx context.Context, env *eventsv1.Envelope) error {
	if env.GetType() != events.AssignmentChanged {
		return nil
	}
	var e eventsv1.AssignmentChanged
	if err := env.GetPayload().UnmarshalTo(&e); err != nil {
		return events.Permanent(err)
	}
	setState := func(st pb.TrackedState) func(*pb.Tracked) {
		return func(t *pb.Tracked) {
			t.Programme, t.OrganisationId, t.MunicipalityCode = pb.Programme_PROGRAMME_GUIDES, e.GetOrganisationId(), e.GetMunicipalityCode()
			t.ParticipantId, t.State = e.GetParticipantId(), st
		}
	}
	switch e.GetStatus() {
	case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED:
		if err := s.track(ctx, e.GetAssignmentId(), setState(pb.TrackedState_TRACKED_STATE_OFFERED)); err != nil {
			return err
		}
		return s.Plan(ctx, Planned{CauseID: env.GetId(), PersonID: e.GetParticipantId(), Role: pb.Role_ROLE_NEWCOMER,
			Programme: pb.Programme_PROGRAMME_GUIDES, ProposalID: e.GetAssignmentId(), Template: pb.Template_TEMPLATE_GUIDE_ASSIGNED,
			OrganisationID: e.GetOrganisationId(), Municipality: e.GetMunicipalityCode()})
	case eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED:
		return nil
	default:
		return s.track(ctx, e.GetAssignmentId(), setState(pb.TrackedState_TRACKED_STATE_DONE))
	}
}

// HandlePeople forgets an erased person: their queued and sent messages
// (mailbox copies included), their links and what the sweeps track about
// them. Their data key is shredded by the service that erased them, so
// copies left on disk are unreadable already; this removes the records
// (purging them shreds the same key again, which is harmless). A deleted
// person is not forgotten here: their messages fail at render (the
// person is gone) and stay visible to coordinators as skipped.
func (s *Service) HandlePeople(ctx context.Context, env *eventsv1.Envelope) error {
	switch env.GetType() {
	case events.ParticipantErased, events.VolunteerErased:
		return s.Forget(ctx, env.GetSubjectId())
	}
	return nil
}

// Forget removes everything notify holds about a person. The other one of
// a mentoring pair offered or active is told when the pair's own erasure
// comes, which says what became of the pair (pairErased, ADR 0153);
// until then their side of its tracking stays (forgetTracked).
func (s *Service) Forget(ctx context.Context, personID string) error {
	if err := s.synced(ctx); err != nil {
		return err
	}
	var errs []error
	// Links first: a link is what someone outside may still hold, so it
	// dies before anything else, and when the messages are gone (what an
	// operator can see) the links are gone too.
	if page, err := s.d.Links.Find(store.Query[*pb.StoredLink]{Index: "person", Values: []string{personID}}); err == nil {
		for _, l := range page.Items {
			errs = append(errs, ignoreNotFound(s.d.Links.Remove(ctx, l.GetId(), true)))
		}
	} else {
		errs = append(errs, err)
	}
	if page, err := s.d.Messages.Find(store.Query[*pb.StoredMessage]{Index: "person", Values: []string{personID}}); err == nil {
		for _, m := range page.Items {
			errs = append(errs, ignoreNotFound(s.d.Messages.Remove(ctx, m.GetId(), true)))
		}
	} else {
		errs = append(errs, err)
	}
	if page, err := s.d.Tracked.Find(store.Query[*pb.Tracked]{Index: "person", Values: []string{personID}}); err == nil {
		for _, t := range page.Items {
			errs = append(errs, s.forgetTracked(ctx, t, personID))
		}
	} else {
		errs = append(errs, err)
	}
	// Links and messages sealed with the person's key that this replica
	// loaded after the key was destroyed (restored from a backup taken
	// before the erasure, or notify was down): the person index left them
	// out, so they are found here (ADR 0191).
	for _, u := range s.d.Links.Unreadable(personID) {
		errs = append(errs, ignoreNotFound(s.d.Links.Remove(ctx, u.Key, true)))
	}
	for _, u := range s.d.Messages.Unreadable(personID) {
		errs = append(errs, ignoreNotFound(s.d.Messages.Remove(ctx, u.Key, true)))
	}
	return errors.Join(errs...)
}

// forgetProposal drops the links and the tracking of an erased proposal,
// and the text of its messages: the one erased is named in the messages
// to the other (the host's "proposed guest" names the guest), which stay
// as a record of what was sent and whether it arrived. A cancellation or
// a pair's end names no one and keeps its text: it is what the one left
// was told of the erasure (ADR 0148). It deletes and blanks rather than
// purges: purging would shred the person's data key, and the person is
// not necessarily the one erased. Messages to erased, the side a pair's
// erasure names, are removed: planned by a change that reached notify
// after the person's own erasure, they would keep the erased id.
func (s *Service) forgetProposal(ctx context.Context, id string, erased pb.Role) error {
	if err := s.synced(ctx); err != nil {
		return err
	}
	var errs []error
	if page, err := s.d.Messages.Find(store.Query[*pb.StoredMessage]{Index: "proposal", Values: []string{id}}); err == nil {
		for _, m := range page.Items {
			if erased != pb.Role_ROLE_UNSPECIFIED && m.GetRole() == erased {
				errs = append(errs, ignoreNotFound(s.d.Messages.Remove(ctx, m.GetId(), true)))
				continue
			}
			if namesNoOne(m.GetTemplate()) || m.GetSubject() == "" && m.GetTextBody() == "" && m.GetHtmlBody() == "" && m.GetAnswerUrl() == "" {
				continue
			}
			_, err := s.update(ctx, m.GetId(), func(m *pb.StoredMessage) error {
				m.Subject, m.TextBody, m.HtmlBody, m.AnswerUrl, m.NamedPersonId = "", "", "", "", ""
				if Pending(m) {
					m.Rendered = false // rendered again at send time, or refused with the person gone
				}
				return nil
			})
			errs = append(errs, ignoreNotFound(err))
		}
	} else {
		errs = append(errs, err)
	}
	if page, err := s.d.Links.Find(store.Query[*pb.StoredLink]{Index: "proposal", Values: []string{id}}); err == nil {
		for _, l := range page.Items {
			errs = append(errs, ignoreNotFound(s.d.Links.Remove(ctx, l.GetId(), false)))
		}
	} else {
		errs = append(errs, err)
	}
	errs = append(errs, ignoreNotFound(s.d.Tracked.Remove(ctx, id, false)))
	return errors.Join(errs...)
}

// synced waits until the indexes Forget and forgetProposal search hold
// every record any replica stored before the call. An erasure may come
// to this replica a moment after another one planned a message for the
// person (a pair offered, then the newcomer erased): searched as they
// were, the indexes missed that message, which kept the erased person's
// id. An error retries the event.
func (s *Service) synced(ctx context.Context) error {
	return errors.Join(s.d.Links.Sync(ctx), s.d.Messages.Sync(ctx), s.d.Tracked.Sync(ctx))
}

func ignoreNotFound(err error) error {
	if apperr.ErrorCode(err) == apperr.NotFound {
		return nil
	}
	return err
}

// clone copies a stored message so a caller may change it.
func clone(m *pb.StoredMessage) *pb.StoredMessage { return proto.Clone(m).(*pb.StoredMessage) }
