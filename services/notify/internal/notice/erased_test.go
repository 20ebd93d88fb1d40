package notice_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// pairChange hands notify mentoring event typ of pair id between newcomer
// and Erik, with status st, as mentoring publishes it.
func (e *env) pairChange(evID, typ, id, newcomer string, st eventsv1.PairStatus, at time.Time) {
	e.t.Helper()
	f := &eventsv1.PairFacts{PairId: id, OrganisationId: org, MunicipalityCode: muni, ParticipantId: newcomer, VolunteerId: erik, Status: st}
	ev := e.event(evID, typ, id, &eventsv1.MentoringPairChanged{Facts: f})
	ev.OccurredAt = timestamppb.New(at)
	if err := e.svc.HandleMentoring(testutil.Context(e.t), ev); err != nil {
		e.t.Fatal(err)
	}
}

// TestErasureToldAsThePairEnded (ADR 0153): the one left of a pair whose
// other person was erased is told what became of the pair, whatever order
// notify gets the pair's changes and the two erasure events in: a pair
// activated a moment before the newcomer's erasure ended ("began on
// <day>"), also when the newcomer's own erasure came before the
// activation, or the activation never came (purged with the pair's
// history); a pair never activated will not happen. Exactly one message
// each, none to or of the erased, and the erased newcomer's id is not
// brought back into notify's tracking by the late activation. Before, the
// person's erasure decided from what notify had tracked by then: the
// mentor of an activated pair was told it would not happen.
func TestErasureToldAsThePairEnded(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	began := time.Date(2026, 3, 13, 23, 30, 0, 0, time.UTC) // 2026-03-14 in Stockholm

	type order int
	const (
		personThenActivation order = iota // the person's erasure, the late activation, the pair's erasure
		personNoActivation                // the person's erasure, the pair's erasure (the activation purged)
		pairNoActivation                  // the pair's erasure, then the person's (the activation purged)
		personThenOffer                   // the person's erasure before the pair's offer, then the pair's
	)
	tests := []struct {
		pair, newcomer string
		order          order
		status         eventsv1.PairStatus
		activeDate     string
		want           pb.Template
		wantText       string
	}{
		{"p-late-active", "p-n1", personThenActivation, eventsv1.PairStatus_PAIR_STATUS_ACTIVE, "2026-03-14",
			pb.Template_TEMPLATE_PAIR_ENDED, "Mentorparet som började den 2026-03-14 har avslutats. Tack"},
		{"p-purged-active", "p-n2", personNoActivation, eventsv1.PairStatus_PAIR_STATUS_ACTIVE, "2026-03-14",
			pb.Template_TEMPLATE_PAIR_ENDED, "Mentorparet som började den 2026-03-14 har avslutats. Tack"},
		{"p-pair-first", "p-n3", pairNoActivation, eventsv1.PairStatus_PAIR_STATUS_ACTIVE, "2026-03-14",
			pb.Template_TEMPLATE_PAIR_ENDED, "Mentorparet som började den 2026-03-14 har avslutats. Tack"},
		{"p-offered", "p-n4", personNoActivation, eventsv1.PairStatus_PAIR_STATUS_OFFERED, "",
			pb.Template_TEMPLATE_CANCELLATION, "Tyvärr blir det vi föreslog inte av."},
		{"p-late-offer", "p-n5", personThenOffer, eventsv1.PairStatus_PAIR_STATUS_OFFERED, "",
			pb.Template_TEMPLATE_CANCELLATION, "Tyvärr blir det vi föreslog inte av."},
	}
	offer := func(pair, newcomer string) {
		e.pairChange("offer-"+pair, events.PairOffered, pair, newcomer, eventsv1.PairStatus_PAIR_STATUS_OFFERED, e.clock.Now())
	}
	for _, tt := range tests {
		if tt.order != personThenOffer {
			offer(tt.pair, tt.newcomer)
		}
		pairErased := func() {
			t.Helper()
			ev := e.event("erase-"+tt.pair, events.PairErased, tt.pair, &eventsv1.MentoringPairErased{PairId: tt.pair,
				ErasedParty: eventsv1.Party_PARTY_NEWCOMER, Status: tt.status, ActiveDate: tt.activeDate})
			for range 2 { // delivered again: planned once
				if err := e.svc.HandleMentoring(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
		}
		person := func() {
			t.Helper()
			if err := e.svc.Forget(ctx, tt.newcomer); err != nil {
				t.Fatal(err)
			}
		}
		switch tt.order {
		case personThenActivation:
			person()
			e.pairChange("act-"+tt.pair, events.PairActivated, tt.pair, tt.newcomer, eventsv1.PairStatus_PAIR_STATUS_ACTIVE, began)
			tr, _, err := e.tracked.Get(ctx, tt.pair)
			if err != nil || tr.GetParticipantId() != "" || tr.GetVolunteerId() != erik {
				t.Errorf("%s: tracked after the late activation: %v, %v; want Erik's side only", tt.pair, tr, err)
			}
			pairErased()
		case personNoActivation:
			person()
			pairErased()
		case pairNoActivation:
			pairErased()
			person()
		case personThenOffer: // the offer to the newcomer, planned after their erasure, goes with the pair's
			person()
			offer(tt.pair, tt.newcomer)
			pairErased()
		}
	}
	e.sendUntil(func() error {
		for _, tt := range tests {
			if m := e.sentTo(tt.pair)[erik]; m == nil || m.GetTemplate() == pb.Template_TEMPLATE_MENTEE_OFFER {
				return fmt.Errorf("%s: Erik is not told of the erasure yet", tt.pair)
			}
		}
		return nil
	})
	for _, tt := range tests {
		kept, err := e.msgs.Find(store.Query[*pb.StoredMessage]{Index: "proposal", Values: []string{tt.pair}})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range kept.Items {
			if m.GetPersonId() != erik {
				t.Errorf("%s: a message to %s is kept: %v", tt.pair, m.GetPersonId(), m.GetTemplate())
			}
		}
		var told []*pb.StoredMessage
		for _, m := range e.mailbox() {
			if m.GetProposalId() == tt.pair && m.GetTemplate() != pb.Template_TEMPLATE_MENTEE_OFFER {
				told = append(told, m)
			}
		}
		if len(told) != 1 {
			t.Errorf("%s: Erik was told %d times of the erasure, want once", tt.pair, len(told))
			continue
		}
		if m := told[0]; m.GetTemplate() != tt.want || !strings.Contains(m.GetTextBody(), tt.wantText) {
			t.Errorf("%s: Erik got %v:\n%s\nwant %v saying %q", tt.pair, m.GetTemplate(), m.GetTextBody(), tt.want, tt.wantText)
		}
		if _, _, err := e.tracked.Get(ctx, tt.pair); apperr.ErrorCode(err) != apperr.NotFound {
			t.Errorf("%s: still tracked after both erasures: %v", tt.pair, err)
		}
	}
}

// TestErasedSideIsNotReminded (ADR 0153): while a pair whose newcomer's
// erasure came first waits for the pair's own erasure, the sweep plans no
// answer reminder for it, to either side, even at the reminder's hour:
// the newcomer is gone and the mentor's offer with them. An intact offer
// swept at the same hour is reminded, so the check can fail.
func TestErasedSideIsNotReminded(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.offerPair("offer-1") // Amina and Erik, answer by 7 days on
	e.pairChange("offer-2", events.PairOffered, "p-intact", "p-other", eventsv1.PairStatus_PAIR_STATUS_OFFERED, e.clock.Now())
	e.prog.mu.Lock()
	e.prog.pairs["p-intact"] = e.prog.pairs[pairID]
	e.prog.mu.Unlock()
	if err := e.svc.Forget(ctx, amina); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(6*24*time.Hour + time.Hour) // 23 hours before the deadline
	if err := e.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	all, err := e.msgs.Find(store.Query[*pb.StoredMessage]{})
	if err != nil {
		t.Fatal(err)
	}
	reminded := map[string]int{}
	for _, m := range all.Items {
		if m.GetTemplate() == pb.Template_TEMPLATE_RSVP_REMINDER {
			reminded[m.GetProposalId()]++
		}
	}
	if reminded[pairID] != 0 || reminded["p-intact"] != 2 {
		t.Errorf("reminders by pair: %v; want none for %s and 2 for p-intact", reminded, pairID)
	}
}

// TestOldLeaverEventTellsBoth pins what ADR 0148 left as it is: a pair
// ended for one who left, by an event from before ADR 0148 (reason "left
// the programme", no party), cannot tell the leaver from the other, so
// both are told, with no reason, as for a coordinator who chose "left the
// programme".
func TestOldLeaverEventTellsBoth(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	f := e.activePair("p-old-leaver", amina)
	f.Status = eventsv1.PairStatus_PAIR_STATUS_ENDED
	ev := e.event("end-old", events.PairEnded, f.GetPairId(), &eventsv1.MentoringPairChanged{Facts: f,
		PreviousStatus: eventsv1.PairStatus_PAIR_STATUS_ACTIVE, EndReason: eventsv1.EndReason_END_REASON_LEFT_PROGRAMME})
	if err := e.svc.HandleMentoring(ctx, ev); err != nil {
		t.Fatal(err)
	}
	e.sendUntil(func() error {
		if n := len(e.sentTo("p-old-leaver")); n != 2 {
			return errors.New("not both told yet")
		}
		return nil
	})
	m := e.sentTo("p-old-leaver")[erik]
	if want := "Mentorparet som började den 2026-03-14 har avslutats. Tack"; m.GetTemplate() != pb.Template_TEMPLATE_PAIR_ENDED ||
		!strings.Contains(m.GetTextBody(), want) {
		t.Errorf("to Erik: %v %q, want %q", m.GetTemplate(), m.GetTextBody(), want)
	}
	if a := e.sentTo("p-old-leaver")[amina]; a.GetTemplate() != pb.Template_TEMPLATE_PAIR_ENDED {
		t.Errorf("to Amina: %v", a.GetTemplate())
	}
}

// TestLateChangeOfForgottenProposal: a seating's event that reaches
// notify after its guest's erasure (the seating forgotten, its tracking
// removed) plans nothing, tracks nothing and is done. Before, tracking it
// retried a refused create without end: the stack overflowed and the
// process died, again at each redelivery.
func TestLateChangeOfForgottenProposal(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	facts := &eventsv1.SeatingFacts{SeatingId: "seat-1", OrganisationId: org, MunicipalityCode: muni, ParticipantId: amina,
		VolunteerId: erik, Date: "2026-12-20"}
	invited := e.event("ev-inv", events.SeatingInvited, "seat-1", &eventsv1.DinnerSeatingChanged{Facts: facts})
	if err := e.svc.HandleDinners(ctx, invited); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Forget(ctx, amina); err != nil {
		t.Fatal(err)
	}
	accepted := e.event("ev-acc", events.SeatingAccepted, "seat-1", &eventsv1.DinnerSeatingChanged{Facts: facts,
		Party: eventsv1.DinnerParty_DINNER_PARTY_HOST})
	for _, ev := range []*eventsv1.Envelope{accepted, invited} {
		if err := e.svc.HandleDinners(ctx, ev); err != nil {
			t.Errorf("%s after the guest's erasure: %v", ev.GetType(), err)
		}
	}
	if tr, _, err := e.tracked.Get(ctx, "seat-1"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("the forgotten seating is tracked again: %v, %v", tr, err)
	}
	all, err := e.msgs.Find(store.Query[*pb.StoredMessage]{Index: "person", Values: []string{amina}})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Items) != 0 {
		t.Errorf("%d messages to the erased guest after her erasure", len(all.Items))
	}
}
