package notice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
)

// Sweep timing.
const (
	// RemindBefore is how long before an answer deadline the people who
	// have not answered get a reminder.
	RemindBefore = 24 * time.Hour
	// CheckInEvery is how often an active mentoring pair is asked how it
	// is going.
	CheckInEvery = 30 * 24 * time.Hour
	// statusWindow is how long after sending an SMS its delivery is
	// followed up with the provider.
	statusWindow = 72 * time.Hour
	// doneKept is how long a finished proposal stays tracked.
	doneKept = 30 * 24 * time.Hour
)

// RunSweeps runs Sweep every interval until ctx ends. Every replica runs
// it: what it plans is keyed by (reminder, proposal, person), so two
// replicas planning the same reminder store one message.
func (s *Service) RunSweeps(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.d.Logger.Warn("notify: sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep plans the reminders and check-in prompts due now, applies answers
// a stopped process left claimed, follows up SMS delivery reports, writes
// audit records that failed before, and removes what is past its
// retention.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.d.Now()
	all, err := s.d.Tracked.Find(store.Query[*pb.Tracked]{})
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range all.Items {
		errs = append(errs, s.sweepOne(ctx, t, now))
	}
	_, rerr := s.RecoverAnswers(ctx, now)
	errs = append(errs, rerr, s.followUp(ctx, now), s.retain(ctx, now))
	return errors.Join(errs...)
}

func (s *Service) sweepOne(ctx context.Context, t *pb.Tracked, now time.Time) error {
	base := Planned{Programme: t.GetProgramme(), ProposalID: t.GetId(), OrganisationID: t.GetOrganisationId(),
		Municipality: t.GetMunicipalityCode(), Date: t.GetDate()}
	newcomer, other := base, base
	newcomer.PersonID, newcomer.Role = t.GetParticipantId(), pb.Role_ROLE_NEWCOMER
	other.PersonID, other.Volunteer = t.GetVolunteerId(), true
	other.Role = pb.Role_ROLE_MENTOR
	if t.GetProgramme() == pb.Programme_PROGRAMME_DINNERS {
		other.Role = pb.Role_ROLE_HOST
	}
	// A pair with an erased side waits for the pair's erasure to tell the
	// other one (ADR 0153): no reminder or check-in meanwhile (the erased
	// one's id is blank), and dropped as a done one is if it never comes.
	st := t.GetState()
	if t.GetErased() != pb.Role_ROLE_UNSPECIFIED {
		st = pb.TrackedState_TRACKED_STATE_DONE
	}
	switch st {
	case pb.TrackedState_TRACKED_STATE_DONE:
		// Kept a while for late events about it, then dropped.
		if now.Sub(t.GetUpdateTime().AsTime()) > doneKept {
			return ignoreNotFound(s.d.Tracked.Remove(ctx, t.GetId(), false))
		}
	case pb.TrackedState_TRACKED_STATE_OFFERED:
		by, err := s.deadline(ctx, t)
		if err != nil || by.IsZero() || now.Before(by.Add(-RemindBefore)) || !now.Before(by) {
			return err
		}
		cause := fmt.Sprintf("reminder-%s-%d", t.GetId(), by.Unix())
		var ps []Planned
		if !t.GetNewcomerAnswered() {
			newcomer.CauseID, newcomer.Template = cause, pb.Template_TEMPLATE_RSVP_REMINDER
			ps = append(ps, newcomer)
		}
		if !t.GetOtherAnswered() && t.GetVolunteerId() != "" {
			other.CauseID, other.Template = cause, pb.Template_TEMPLATE_RSVP_REMINDER
			ps = append(ps, other)
		}
		return s.Plan(ctx, ps...)
	case pb.TrackedState_TRACKED_STATE_CONFIRMED:
		switch t.GetProgramme() {
		case pb.Programme_PROGRAMME_DINNERS:
			day, err := time.ParseInLocation(time.DateOnly, t.GetDate(), s.d.Quiet.Location)
			if err != nil || now.In(s.d.Quiet.Location).Format(time.DateOnly) != day.AddDate(0, 0, -1).Format(time.DateOnly) {
				return nil
			}
			cause := "dinner-reminder-" + t.GetId()
			newcomer.CauseID, newcomer.Template = cause, pb.Template_TEMPLATE_DINNER_REMINDER
			other.CauseID, other.Template = cause, pb.Template_TEMPLATE_DINNER_REMINDER
			return s.Plan(ctx, newcomer, other)
		case pb.Programme_PROGRAMME_MENTORING:
			if t.GetActiveTime() == nil {
				return nil
			}
			n := int(now.Sub(t.GetActiveTime().AsTime()) / CheckInEvery)
			if n < 1 {
				return nil
			}
			cause := fmt.Sprintf("check-in-%s-%d", t.GetId(), n)
			newcomer.CauseID, newcomer.Template = cause, pb.Template_TEMPLATE_CHECK_IN
			other.CauseID, other.Template = cause, pb.Template_TEMPLATE_CHECK_IN
			return s.Plan(ctx, newcomer, other)
		}
	}
	return nil
}

// deadline is a tracked offer's answer deadline, read from the programme
// once and kept.
func (s *Service) deadline(ctx context.Context, t *pb.Tracked) (time.Time, error) {
	if t.GetAnswerBy() != nil {
		return t.GetAnswerBy().AsTime(), nil
	}
	var by time.Time
	switch t.GetProgramme() {
	case pb.Programme_PROGRAMME_MENTORING:
		p, err := s.d.Programmes.Pair(ctx, t.GetId())
		if err != nil {
			return time.Time{}, ignoreNotFound(err)
		}
		by = p.ExpireTime
	case pb.Programme_PROGRAMME_DINNERS:
		st, err := s.d.Programmes.Seating(ctx, t.GetId())
		if err != nil {
			return time.Time{}, ignoreNotFound(err)
		}
		by = st.RsvpDeadline
	}
	if by.IsZero() {
		return by, nil
	}
	err := s.track(ctx, t.GetId(), func(cur *pb.Tracked) { cur.AnswerBy = timestamppb.New(by) })
	if errors.Is(err, errForgotten) {
		return time.Time{}, nil // forgotten meanwhile: no one to remind
	}
	return by, err
}

// followUp asks the SMS provider about messages it accepted (a number can
// turn out dead after the provider took the message) and writes the audit
// records that failed to be written at send time.
func (s *Service) followUp(ctx context.Context, now time.Time) error {
	checker, _ := s.d.Channels.SMS.(StatusChecker)
	res, err := s.d.Messages.Find(store.Query[*pb.StoredMessage]{Index: "sent", Values: []string{"1"}})
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range res.Items {
		if !m.GetAudited() {
			s.audit(ctx, m)
		}
		if checker == nil || m.GetChannel() != pb.Channel_CHANNEL_SMS || m.GetProviderId() == "" || m.GetDelivered() ||
			now.Sub(m.GetSentTime().AsTime()) > statusWindow {
			continue
		}
		final, delivered, err := checker.Status(ctx, m.GetProviderId())
		if err != nil || !final {
			continue // asked again at the next sweep
		}
		_, err = s.update(ctx, m.GetId(), func(cur *pb.StoredMessage) error {
			cur.UpdateTime = timestamppb.New(now.UTC())
			if delivered {
				cur.Delivered = true
				return nil
			}
			cur.Status, cur.Failure = pb.DeliveryStatus_DELIVERY_STATUS_FAILED, pb.Failure_FAILURE_INVALID_NUMBER
			return nil
		})
		if err == nil && !delivered {
			s.d.Metrics.Failed(m.GetChannel(), true)
		}
		if apperr.ErrorCode(err) != apperr.NotFound {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
