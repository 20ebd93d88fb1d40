package notice

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/services/notify/internal/catalog"
)

// rendered is the outcome of rendering: a message to send, or a reason
// not to send it at all.
type rendered struct {
	skip          pb.Failure // set: not sent, for this reason
	channel, want pb.Channel
	to, lang      string
	msg           catalog.Message
	link          string
	// named is the other person the text tells of (facts), whose key
	// seals the text too (ADR 0159); empty when it tells of no one.
	named string
}

func (r rendered) apply(m *pb.StoredMessage, now time.Time) {
	m.Rendered, m.UpdateTime = true, timestamppb.New(now.UTC())
	if r.skip != 0 {
		m.Status, m.Failure, m.LeaseOwner, m.LeaseUntil = pb.DeliveryStatus_DELIVERY_STATUS_SKIPPED, r.skip, "", nil
		return
	}
	m.Channel, m.IntendedChannel, m.To, m.Language = r.channel, r.want, r.to, r.msg.Language
	m.Subject, m.TextBody, m.HtmlBody, m.AnswerUrl = r.msg.Subject, r.msg.Text, r.msg.HTML, r.link
	m.NamedPersonId = r.named
}

// kinds maps templates to catalogue entries.
var kinds = map[pb.Template]catalog.Kind{
	pb.Template_TEMPLATE_MENTOR_OFFER:          catalog.MentorOffer,
	pb.Template_TEMPLATE_MENTEE_OFFER:          catalog.MenteeOffer,
	pb.Template_TEMPLATE_DINNER_INVITATION:     catalog.DinnerInvitation,
	pb.Template_TEMPLATE_DINNER_GUEST_PROPOSED: catalog.DinnerGuestProposed,
	pb.Template_TEMPLATE_DINNER_CONFIRMED:      catalog.DinnerConfirmed,
	pb.Template_TEMPLATE_GUIDE_ASSIGNED:        catalog.GuideAssigned,
	pb.Template_TEMPLATE_RSVP_REMINDER:         catalog.RsvpReminder,
	pb.Template_TEMPLATE_DINNER_REMINDER:       catalog.DinnerReminder,
	pb.Template_TEMPLATE_CHECK_IN:              catalog.CheckIn,
	pb.Template_TEMPLATE_CANCELLATION:          catalog.Cancellation,
	pb.Template_TEMPLATE_PAIR_ENDED:            catalog.PairEnded,
}

// topic is what a person opts out of to stop a template.
func topic(t pb.Template) typev1.NotificationTopic {
	switch t {
	case pb.Template_TEMPLATE_RSVP_REMINDER, pb.Template_TEMPLATE_DINNER_REMINDER:
		return typev1.NotificationTopic_NOTIFICATION_TOPIC_REMINDERS
	case pb.Template_TEMPLATE_CHECK_IN:
		return typev1.NotificationTopic_NOTIFICATION_TOPIC_CHECK_INS
	case pb.Template_TEMPLATE_CANCELLATION, pb.Template_TEMPLATE_PAIR_ENDED:
		// A pair's end is the news a cancellation is: who opted out of
		// hearing that something will not go on hears nothing of it.
		return typev1.NotificationTopic_NOTIFICATION_TOPIC_CANCELLATIONS
	}
	return typev1.NotificationTopic_NOTIFICATION_TOPIC_OFFERS
}

// answerable reports whether a message carries an answer link: offers
// and their reminders, and to a dinner guest a "cannot come" link.
func answerable(t pb.Template, r pb.Role) bool {
	switch t {
	case pb.Template_TEMPLATE_MENTOR_OFFER, pb.Template_TEMPLATE_MENTEE_OFFER, pb.Template_TEMPLATE_DINNER_INVITATION,
		pb.Template_TEMPLATE_DINNER_GUEST_PROPOSED, pb.Template_TEMPLATE_GUIDE_ASSIGNED, pb.Template_TEMPLATE_RSVP_REMINDER:
		return true
	case pb.Template_TEMPLATE_DINNER_CONFIRMED, pb.Template_TEMPLATE_DINNER_REMINDER:
		return r == pb.Role_ROLE_NEWCOMER
	}
	return false
}

// chooseChannel applies the person's choice: e-mail or SMS only, or
// e-mail when known and else SMS, or nothing.
func chooseChannel(p Person) (pb.Channel, string, pb.Failure) {
	switch p.Channel {
	case typev1.PreferredChannel_PREFERRED_CHANNEL_NONE:
		return 0, "", pb.Failure_FAILURE_OPTED_OUT
	case typev1.PreferredChannel_PREFERRED_CHANNEL_EMAIL:
		if p.Email == "" {
			return 0, "", pb.Failure_FAILURE_NO_CONTACT
		}
		return pb.Channel_CHANNEL_EMAIL, p.Email, 0
	case typev1.PreferredChannel_PREFERRED_CHANNEL_SMS:
		if p.Phone == "" {
			return 0, "", pb.Failure_FAILURE_NO_CONTACT
		}
		return pb.Channel_CHANNEL_SMS, p.Phone, 0
	}
	switch {
	case p.Email != "":
		return pb.Channel_CHANNEL_EMAIL, p.Email, 0
	case p.Phone != "":
		return pb.Channel_CHANNEL_SMS, p.Phone, 0
	}
	return 0, "", pb.Failure_FAILURE_NO_CONTACT
}

// render reads what the message needs and renders it. Errors are
// temporary (a service is down); a message that must not go out is a
// rendered value with skip set.
func (s *Service) render(ctx context.Context, m *pb.StoredMessage) (rendered, error) {
	me, err := s.d.Directory.Person(ctx, m.GetPersonId(), m.GetVolunteer())
	if apperr.ErrorCode(err) == apperr.NotFound {
		return rendered{skip: pb.Failure_FAILURE_OUTDATED}, nil
	}
	if err != nil {
		return rendered{}, sourceFailure(directorySource, err)
	}
	if slices.Contains(me.OptOuts, topic(m.GetTemplate())) {
		return rendered{skip: pb.Failure_FAILURE_OPTED_OUT}, nil
	}
	want, to, skip := chooseChannel(me)
	if skip != 0 {
		return rendered{skip: skip}, nil
	}
	d := catalog.Data{FirstName: me.FirstName, Date: m.GetDate()}
	var named string
	expire, ok, err := s.facts(ctx, m, &d, &named)
	if err != nil {
		return rendered{}, err
	}
	if !ok {
		return rendered{skip: pb.Failure_FAILURE_OUTDATED}, nil
	}
	r := rendered{want: want, to: to, lang: me.Language, named: named}
	_, r.channel = s.d.Channels.transport(want)
	if answerable(m.GetTemplate(), m.GetRole()) {
		if expire.IsZero() {
			expire = s.d.Now().Add(s.d.LinkTTL)
		}
		if !expire.After(s.d.Now()) {
			return rendered{skip: pb.Failure_FAILURE_OUTDATED}, nil
		}
		d.CannotCome = m.GetTemplate() == pb.Template_TEMPLATE_DINNER_CONFIRMED || m.GetTemplate() == pb.Template_TEMPLATE_DINNER_REMINDER
		if !d.CannotCome {
			// The minute, as the answer page shows it: the link dies then,
			// and a date alone read as the whole day (ADR 0137).
			d.AnswerBy = expire.In(s.d.Quiet.Location).Format("2006-01-02 15:04")
		}
		if r.link, err = s.newLink(ctx, m, me.Language, expire); err != nil {
			return rendered{}, err
		}
		d.Link = r.link
	}
	if r.msg, err = s.d.Catalog.Render(me.Language, kinds[m.GetTemplate()], d); err != nil {
		return rendered{}, PermanentFailure(pb.Failure_FAILURE_REJECTED, "render: "+err.Error())
	}
	return r, nil
}

// facts fills d with what the template may tell under minimum disclosure
// and returns the answer deadline; ok is false when the proposal no longer
// calls for the message. named is set to the other person d tells of (a
// first name, a household's size and diets, a home's address), so the
// text is sealed with their key too (ADR 0159).
func (s *Service) facts(ctx context.Context, m *pb.StoredMessage, d *catalog.Data, named *string) (time.Time, bool, error) {
	t := m.GetTemplate()
	switch t {
	case pb.Template_TEMPLATE_CANCELLATION:
		return time.Time{}, true, nil // says nothing about the proposal
	case pb.Template_TEMPLATE_PAIR_ENDED:
		// The pair may be gone (erased with the other person): the day it
		// began and the reason came with the plan, and nothing of the
		// other person is read.
		d.Because = endWords(m.GetEndReason())
		return time.Time{}, true, nil
	}
	gone := func(err error) (time.Time, bool, error) {
		if apperr.ErrorCode(err) == apperr.NotFound {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, sourceFailure(programmeSource(m.GetProgramme()), err)
	}
	counterpart := func(id string, volunteer bool) error {
		p, err := s.d.Directory.Person(ctx, id, volunteer)
		if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
			return sourceFailure(directorySource, err)
		}
		d.Counterpart, *named = p.FirstName, id
		return nil
	}
	switch m.GetProgramme() {
	case pb.Programme_PROGRAMME_MENTORING:
		p, err := s.d.Programmes.Pair(ctx, m.GetProposalId())
		if err != nil {
			return gone(err)
		}
		mine := p.NewcomerAccepted
		other, otherVolunteer := p.VolunteerID, true
		if m.GetRole() == pb.Role_ROLE_MENTOR {
			mine, other, otherVolunteer = p.MentorAccepted, p.ParticipantID, false
		}
		if t == pb.Template_TEMPLATE_CHECK_IN {
			if !p.Active {
				return time.Time{}, false, nil
			}
		} else if !p.Offered || mine {
			return time.Time{}, false, nil
		}
		if err := counterpart(other, otherVolunteer); err != nil {
			return time.Time{}, false, err
		}
		return p.ExpireTime, true, nil
	case pb.Programme_PROGRAMME_DINNERS:
		st, err := s.d.Programmes.Seating(ctx, m.GetProposalId())
		if err != nil {
			return gone(err)
		}
		d.Date, d.Time = st.Date, st.StartTime
		guest := m.GetRole() == pb.Role_ROLE_NEWCOMER
		switch t {
		case pb.Template_TEMPLATE_DINNER_CONFIRMED:
			if !st.Confirmed {
				return time.Time{}, false, nil
			}
			d.Address = st.Address // to the guest, now that both accepted
			if d.Address != "" {
				*named = st.VolunteerID // the host's home
			}
			start, _ := dinnerStart(st.Date, st.StartTime, s.d.Quiet.Location)
			return start, true, nil
		case pb.Template_TEMPLATE_DINNER_REMINDER:
			if !st.Confirmed {
				return time.Time{}, false, nil
			}
			start, _ := dinnerStart(st.Date, st.StartTime, s.d.Quiet.Location)
			return start, true, nil
		}
		if !st.Invited || (guest && st.GuestAccepted) || (!guest && st.HostAccepted) {
			return time.Time{}, false, nil
		}
		if guest {
			if err := counterpart(st.VolunteerID, true); err != nil {
				return time.Time{}, false, err
			}
		} else {
			if err := counterpart(st.ParticipantID, false); err != nil {
				return time.Time{}, false, err
			}
			d.PartySize, d.Diets = st.PartySize, st.Diets
		}
		return st.RsvpDeadline, true, nil
	case pb.Programme_PROGRAMME_GUIDES:
		a, err := s.d.Programmes.Assignment(ctx, m.GetProposalId())
		if err != nil {
			return gone(err)
		}
		if !a.Approved || a.NewcomerAccepted {
			return time.Time{}, false, nil
		}
		d.Organisation = a.OrganisationName
		return time.Time{}, true, nil
	}
	return time.Time{}, false, fmt.Errorf("unknown programme %v", m.GetProgramme())
}

// sourceFailure classifies a failed read of what a message says from
// source (directorySource or programmeSource): a service that does not
// answer (Unavailable) is waited for (SendError.Source); any other
// refusal is a temporary failure with the growing backoff, so one that
// never passes is given up in the end.
func sourceFailure(source string, err error) error {
	detail := source + ": " + string(apperr.ErrorCode(err))
	if apperr.ErrorCode(err) == apperr.Unavailable {
		return &SendError{Source: true, source: source, Detail: detail}
	}
	return Temporary(detail)
}

// directorySource is the registers, which every message is rendered from.
const directorySource = "directory"

// programmeSource is the programme p's service, which its offers are
// rendered from.
func programmeSource(p pb.Programme) string { return "programme:" + p.String() }
