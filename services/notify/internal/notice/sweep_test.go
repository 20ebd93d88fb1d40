package notice_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestRemindersOnceAcrossReplicas: a day before the answer deadline, the
// party who has not answered gets one reminder however many replicas
// sweep, and the one who answered gets none; an active pair gets a
// check-in prompt a month on; a confirmed dinner a reminder the day
// before.
func TestRemindersOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	other := e.newService(notice.Channels{}, "replica-2")
	e.offerPair("ev-1")
	accepted := e.event("ev-2", events.PairAccepted, pairID, &eventsv1.MentoringPairChanged{Party: eventsv1.Party_PARTY_MENTOR,
		Facts: &eventsv1.PairFacts{PairId: pairID, OrganisationId: org, MunicipalityCode: muni, ParticipantId: amina, VolunteerId: erik}})
	if err := e.svc.HandleMentoring(ctx, accepted); err != nil {
		t.Fatal(err)
	}
	e.prog.mu.Lock()
	p := e.prog.pairs[pairID]
	p.MentorAccepted = true
	e.prog.pairs[pairID] = p
	e.prog.mu.Unlock()
	count := func(person string, tpl pb.Template) int {
		n := 0
		for _, d := range adminDeliveries(t, e, person) {
			if d.GetTemplate() == tpl {
				n++
			}
		}
		return n
	}
	for _, s := range []*notice.Service{e.svc, other, e.svc} {
		if err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(amina, pb.Template_TEMPLATE_RSVP_REMINDER); n != 0 {
		t.Fatalf("%d reminders a week before the deadline", n)
	}
	e.clock.Add(6*24*time.Hour + time.Hour) // 23 hours before the deadline
	for _, s := range []*notice.Service{e.svc, other, other} {
		if err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if a, m := count(amina, pb.Template_TEMPLATE_RSVP_REMINDER), count(erik, pb.Template_TEMPLATE_RSVP_REMINDER); a != 1 || m != 0 {
		t.Errorf("reminders: newcomer %d, mentor (who answered) %d; want 1 and 0", a, m)
	}
	e.sendUntil(func() error {
		for _, d := range adminDeliveries(t, e, amina) {
			if d.GetTemplate() == pb.Template_TEMPLATE_RSVP_REMINDER && d.GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SENT {
				return fmt.Errorf("reminder %v", d.GetStatus())
			}
		}
		return nil
	})

	activated := e.event("ev-3", events.PairActivated, pairID, &eventsv1.MentoringPairChanged{
		Facts: &eventsv1.PairFacts{PairId: pairID, OrganisationId: org, MunicipalityCode: muni, ParticipantId: amina, VolunteerId: erik}})
	if err := e.svc.HandleMentoring(ctx, activated); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(notice.CheckInEvery + time.Hour)
	for _, s := range []*notice.Service{e.svc, other} {
		if err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if a, m := count(amina, pb.Template_TEMPLATE_CHECK_IN), count(erik, pb.Template_TEMPLATE_CHECK_IN); a != 1 || m != 1 {
		t.Errorf("check-in prompts: %d and %d, want one each", a, m)
	}

	// A dinner on the 20th, confirmed: a reminder on the 19th only.
	day := e.clock.Now().In(time.FixedZone("", 3600)).AddDate(0, 0, 2).Format(time.DateOnly)
	confirmed := e.event("ev-4", events.SeatingConfirmed, "seat-1", &eventsv1.DinnerSeatingChanged{Facts: &eventsv1.SeatingFacts{
		SeatingId: "seat-1", OrganisationId: org, MunicipalityCode: muni, ParticipantId: amina, VolunteerId: erik, Date: day, PartySize: 2}})
	e.prog.mu.Lock()
	e.prog.seatings["seat-1"] = notice.Seating{ParticipantID: amina, VolunteerID: erik, Date: day, StartTime: "18:00", Confirmed: true, PartySize: 2}
	e.prog.mu.Unlock()
	if err := e.svc.HandleDinners(ctx, confirmed); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(amina, pb.Template_TEMPLATE_DINNER_REMINDER); n != 0 {
		t.Fatalf("dinner reminder two days before")
	}
	e.clock.Add(24 * time.Hour)
	for _, s := range []*notice.Service{e.svc, other} {
		if err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if a, h := count(amina, pb.Template_TEMPLATE_DINNER_REMINDER), count(erik, pb.Template_TEMPLATE_DINNER_REMINDER); a != 1 || h != 1 {
		t.Errorf("dinner reminders the day before: guest %d, host %d; want 1 each", a, h)
	}
	if n := count(amina, pb.Template_TEMPLATE_DINNER_CONFIRMED); n != 1 {
		t.Errorf("%d confirmations to the guest, want 1", n)
	}
}
