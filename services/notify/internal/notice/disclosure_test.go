package notice_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestDinnerMinimumDisclosure: the host learns the guest's first name,
// party size and diets; the guest learns the host's first name, the date
// and time, and the address only once both accepted, in a message whose
// link offers "cannot come".
func TestDinnerMinimumDisclosure(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	const seat = "seat-1"
	st := notice.Seating{ParticipantID: amina, VolunteerID: erik, OrganisationID: org, Municipality: muni, Date: "2026-12-12",
		StartTime: "18:30", RsvpDeadline: e.clock.Now().Add(72 * 3600e9), PartySize: 3, Diets: []int32{3}, Address: "Storgatan 7",
		Invited: true}
	e.prog.mu.Lock()
	e.prog.seatings[seat] = st
	e.prog.mu.Unlock()
	facts := &eventsv1.SeatingFacts{SeatingId: seat, OrganisationId: org, MunicipalityCode: muni, ParticipantId: amina,
		VolunteerId: erik, Date: "2026-12-12", PartySize: 3}
	if err := e.svc.HandleDinners(ctx, e.event("ev-inv", events.SeatingInvited, seat, &eventsv1.DinnerSeatingChanged{Facts: facts})); err != nil {
		t.Fatal(err)
	}
	e.sendUntil(func() error {
		if len(e.mailbox()) != 2 {
			return errors.New("invitations not in the mailbox yet")
		}
		return nil
	})
	guest, host := to(e.mailbox(), amina), to(e.mailbox(), erik)
	if !strings.Contains(host.GetTextBody(), "Amina, 3 personer") || !strings.Contains(host.GetTextBody(), "halal") ||
		strings.Contains(host.GetTextBody(), "amina@example.org") {
		t.Errorf("host's message:\n%s", host.GetTextBody())
	}
	if !strings.Contains(guest.GetTextBody(), "Erik") || !strings.Contains(guest.GetTextBody(), "18:30") ||
		strings.Contains(guest.GetTextBody(), "Storgatan") {
		t.Errorf("guest's invitation tells too little or the address:\n%s", guest.GetTextBody())
	}
	r, err := e.svc.ResolveLink(ctx, tokenOf(t, host.GetAnswerUrl()))
	if err != nil || r.Offer.GetPartySize() != 3 || len(r.Offer.GetDiets()) != 1 || r.Offer.GetAddress() != "" || r.Offer.GetStartTime() == nil {
		t.Fatalf("host's link = %+v, %v", r.Offer, err)
	}
	// The host is asked only the reasons a host can have: "too far away"
	// and "the food or the home does not suit me" are the guest's, and the
	// host's page offered them (outside round s25).
	for _, x := range r.Reasons {
		if x == pb.DeclineReason_DECLINE_REASON_DISTANCE || x == pb.DeclineReason_DECLINE_REASON_HOUSEHOLD {
			t.Errorf("the host's link offers the guest's reason %v (all: %v)", x, r.Reasons)
		}
	}
	if gr, err := e.svc.ResolveLink(ctx, tokenOf(t, guest.GetAnswerUrl())); err != nil || len(gr.Reasons) != 6 {
		t.Errorf("the guest's link's reasons = %v, %v; want all six", gr.Reasons, err)
	}
	if _, err := e.svc.Answer(ctx, tokenOf(t, host.GetAnswerUrl()), pb.AnswerAction_ANSWER_ACTION_DECLINE, pb.DeclineReason_DECLINE_REASON_HOUSEHOLD); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("the host declining for the guest's reason: %v, want Invalid", err)
	}
	// Both accept; the confirmation gives the guest the address.
	e.prog.mu.Lock()
	st.Invited, st.Confirmed, st.GuestAccepted, st.HostAccepted = false, true, true, true
	e.prog.seatings[seat] = st
	e.prog.mu.Unlock()
	if err := e.svc.HandleDinners(ctx, e.event("ev-conf", events.SeatingConfirmed, seat, &eventsv1.DinnerSeatingChanged{Facts: facts})); err != nil {
		t.Fatal(err)
	}
	var conf *pb.StoredMessage
	e.sendUntil(func() error {
		for _, m := range e.mailbox() {
			if m.GetTemplate() == pb.Template_TEMPLATE_DINNER_CONFIRMED {
				conf = m
				return nil
			}
		}
		return errors.New("no confirmation yet")
	})
	if conf.GetPersonId() != amina || !strings.Contains(conf.GetTextBody(), "Storgatan 7") {
		t.Errorf("confirmation to %s:\n%s", conf.GetPersonId(), conf.GetTextBody())
	}
	r, err = e.svc.ResolveLink(ctx, tokenOf(t, conf.GetAnswerUrl()))
	if err != nil || len(r.Actions) != 1 || r.Actions[0] != pb.AnswerAction_ANSWER_ACTION_CANNOT_COME {
		t.Fatalf("confirmation's link = %+v, %v", r, err)
	}
	out, err := e.svc.Answer(ctx, tokenOf(t, conf.GetAnswerUrl()), pb.AnswerAction_ANSWER_ACTION_CANNOT_COME, 0)
	if err != nil || out.State != pb.LinkState_LINK_STATE_USED {
		t.Fatalf("cannot come = %+v, %v", out, err)
	}
	if c := e.prog.calls(); len(c) != 1 || c[0].Programme != pb.Programme_PROGRAMME_DINNERS || c[0].Action != pb.AnswerAction_ANSWER_ACTION_CANNOT_COME {
		t.Errorf("applied %+v", c)
	}
}

// TestGuideAssigned: an approved assignment tells the newcomer the guide
// organisation's name, with a link to accept or decline (no reason asked).
func TestGuideAssigned(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.prog.mu.Lock()
	e.prog.assigns["as-1"] = notice.Assignment{ParticipantID: amina, OrganisationID: "org-g", Municipality: muni,
		OrganisationName: "Guidebyrån", Approved: true}
	e.prog.mu.Unlock()
	ev := e.event("ev-g", events.AssignmentChanged, "as-1", &eventsv1.AssignmentChanged{AssignmentId: "as-1", ParticipantId: amina,
		OrganisationId: "org-g", MunicipalityCode: muni, Status: eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_APPROVED})
	if err := e.svc.HandleGuides(ctx, ev); err != nil {
		t.Fatal(err)
	}
	e.sendUntil(func() error {
		if to(e.mailbox(), amina) == nil {
			return errors.New("not yet")
		}
		return nil
	})
	m := to(e.mailbox(), amina)
	if !strings.Contains(m.GetTextBody(), "Guidebyrån") || m.GetTemplate() != pb.Template_TEMPLATE_GUIDE_ASSIGNED {
		t.Errorf("guide message:\n%s", m.GetTextBody())
	}
	out, err := e.svc.Answer(ctx, tokenOf(t, m.GetAnswerUrl()), pb.AnswerAction_ANSWER_ACTION_DECLINE, 0)
	if err != nil || out.Outcome != pb.AnswerOutcome_ANSWER_OUTCOME_DECLINED {
		t.Fatalf("decline = %+v, %v", out, err)
	}
	if c := e.prog.calls(); len(c) != 1 || c[0].Programme != pb.Programme_PROGRAMME_GUIDES || c[0].OrganisationID != "org-g" {
		t.Errorf("applied %+v", c)
	}
}
