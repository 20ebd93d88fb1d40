package notice_test

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestWithdrawnBeforeOfferedTellsNobody: a seating or pair withdrawn while
// only proposed (no coordinator approved it, nobody was told of it) plans
// no "it will not happen" message, also when the event comes again; one
// withdrawn after its invitation tells both sides. The s25 outside round
// removed a host's role and the guests of two proposed seatings, and the
// host three times, were told a dinner they never heard of was off.
func TestWithdrawnBeforeOfferedTellsNobody(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	planned := func(proposal string) []pb.Template {
		t.Helper()
		res, err := e.msgs.Find(store.Query[*pb.StoredMessage]{Filter: func(m *pb.StoredMessage) bool { return m.GetProposalId() == proposal }})
		if err != nil {
			t.Fatal(err)
		}
		var ts []pb.Template
		for _, m := range res.Items {
			ts = append(ts, m.GetTemplate())
		}
		return ts
	}
	seating := func(id string) *eventsv1.DinnerSeatingChanged {
		return &eventsv1.DinnerSeatingChanged{Facts: &eventsv1.SeatingFacts{SeatingId: id, OrganisationId: org, MunicipalityCode: muni,
			ParticipantId: amina, VolunteerId: erik, Date: "2026-12-12", PartySize: 1}}
	}
	for _, ev := range []string{"ev-w1", "ev-w1-again"} {
		if err := e.svc.HandleDinners(ctx, e.event(ev, events.SeatingWithdrawn, "seat-proposed", seating("seat-proposed"))); err != nil {
			t.Fatal(err)
		}
	}
	if got := planned("seat-proposed"); len(got) != 0 {
		t.Errorf("a proposed seating's withdrawal planned %v, want nothing", got)
	}
	pair := &eventsv1.MentoringPairChanged{Facts: &eventsv1.PairFacts{PairId: "pair-proposed", OrganisationId: org,
		MunicipalityCode: muni, ParticipantId: amina, VolunteerId: erik, Status: eventsv1.PairStatus_PAIR_STATUS_WITHDRAWN}}
	if err := e.svc.HandleMentoring(ctx, e.event("ev-w2", events.PairWithdrawn, "pair-proposed", pair)); err != nil {
		t.Fatal(err)
	}
	if got := planned("pair-proposed"); len(got) != 0 {
		t.Errorf("a proposed pair's withdrawal planned %v, want nothing", got)
	}

	e.prog.mu.Lock()
	e.prog.seatings["seat-invited"] = notice.Seating{ParticipantID: amina, VolunteerID: erik, OrganisationID: org, Municipality: muni,
		Date: "2026-12-12", StartTime: "18:00", RsvpDeadline: e.clock.Now().Add(72 * 3600e9), PartySize: 1, Invited: true}
	e.prog.mu.Unlock()
	if err := e.svc.HandleDinners(ctx, e.event("ev-i3", events.SeatingInvited, "seat-invited", seating("seat-invited"))); err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"ev-w3", "ev-w3"} {
		if err := e.svc.HandleDinners(ctx, e.event(ev, events.SeatingWithdrawn, "seat-invited", seating("seat-invited"))); err != nil {
			t.Fatal(err)
		}
	}
	cancellations := 0
	for _, tpl := range planned("seat-invited") {
		if tpl == pb.Template_TEMPLATE_CANCELLATION {
			cancellations++
		}
	}
	if cancellations != 2 {
		t.Errorf("an invited seating's withdrawal planned %d cancellations (%v), want one to each side", cancellations, planned("seat-invited"))
	}
}
