package notice_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// activePair tracks pair id of newcomer and Erik as active since
// 2026-03-14 (Stockholm's day; 23:30 UTC the 13th), as notify sees it
// after both accepted.
func (e *env) activePair(id, newcomer string) *eventsv1.PairFacts {
	e.t.Helper()
	f := &eventsv1.PairFacts{PairId: id, OrganisationId: org, MunicipalityCode: muni, ParticipantId: newcomer, VolunteerId: erik,
		Status: eventsv1.PairStatus_PAIR_STATUS_ACTIVE}
	ev := e.event("act-"+id, events.PairActivated, id, &eventsv1.MentoringPairChanged{Facts: f})
	ev.OccurredAt = timestamppb.New(time.Date(2026, 3, 13, 23, 30, 0, 0, time.UTC))
	if err := e.svc.HandleMentoring(testutil.Context(e.t), ev); err != nil {
		e.t.Fatal(err)
	}
	return f
}

// sentTo is the text of each sent message of proposal, by recipient.
func (e *env) sentTo(proposal string) map[string]*pb.StoredMessage {
	out := map[string]*pb.StoredMessage{}
	for _, m := range e.mailbox() {
		if m.GetProposalId() == proposal {
			out[m.GetPersonId()] = m
		}
	}
	return out
}

const sara = "p-sara" // a newcomer erased from her active pair

// TestPairEndTellsWhoIsLeft (ADR 0148): a pair a coordinator ended tells
// both people in their language, with the reason only when it is no one's
// own; one ended because a person left tells the other only; erasing a
// person tells the other of an active pair that it ended and of an offered
// one that it will not happen, whichever of the two erasure events notify
// handles first, once, never naming the erased one, and the erased one
// gets nothing. Before it, every end was only tracked as done.
func TestPairEndTellsWhoIsLeft(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	ended := func(id string, party eventsv1.Party, r eventsv1.EndReason) {
		t.Helper()
		f := e.activePair(id, amina)
		f.Status = eventsv1.PairStatus_PAIR_STATUS_ENDED
		ev := e.event("end-"+id, events.PairEnded, id, &eventsv1.MentoringPairChanged{Facts: f, Party: party, EndReason: r})
		for range 2 { // delivered again: planned once
			if err := e.svc.HandleMentoring(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	erased := func(id, who string, party eventsv1.Party, personFirst bool) {
		t.Helper()
		pairEv := e.event("erase-"+id, events.PairErased, id, &eventsv1.MentoringPairErased{PairId: id, ErasedParty: party})
		person := func() {
			if err := e.svc.Forget(ctx, who); err != nil {
				t.Fatal(err)
			}
		}
		if personFirst {
			person()
		}
		if err := e.svc.HandleMentoring(ctx, pairEv); err != nil {
			t.Fatal(err)
		}
		if !personFirst {
			person()
		}
	}
	ended("p-done", 0, eventsv1.EndReason_END_REASON_COMPLETED)
	ended("p-mismatch", 0, eventsv1.EndReason_END_REASON_MISMATCH)
	ended("p-lost", 0, eventsv1.EndReason_END_REASON_LOST_CONTACT)
	ended("p-left", eventsv1.Party_PARTY_NEWCOMER, eventsv1.EndReason_END_REASON_LEFT_PROGRAMME)
	ended("p-left-by-coordinator", 0, eventsv1.EndReason_END_REASON_LEFT_PROGRAMME)
	e.sendUntil(func() error {
		if len(e.sentTo("p-done")) != 2 || len(e.sentTo("p-left")) != 1 || len(e.sentTo("p-left-by-coordinator")) != 2 {
			return errors.New("the ends are not told yet")
		}
		return nil
	})
	// A coordinator's end tells Amina too, in Arabic (with the Swedish
	// below, as every unreviewed language); a reason that is hers or his
	// is in no language.
	if m := e.sentTo("p-done")[amina]; m == nil || m.GetLanguage() != "ar" || !strings.Contains(m.GetTextBody(), "انتهت المدة التي اتفقتما عليها") {
		t.Errorf("p-done to Amina: %v", m)
	}
	if m := e.sentTo("p-mismatch")[amina]; m == nil || strings.Contains(m.GetTextBody(), "Tiden") {
		t.Errorf("p-mismatch to Amina: %v", m)
	}
	if m := e.sentTo("p-left")[amina]; m != nil {
		t.Errorf("Amina, who left, was written to: %s", m.GetTextBody())
	}
	if got := e.sentTo("p-left-by-coordinator"); len(got) != 2 {
		t.Errorf("a coordinator's end for a leaver, not saying who, told %d people, want both", len(got))
	}

	tests := []struct {
		pair        string
		person      string
		want, avoid []string
	}{
		{"p-done", erik, []string{"som började den 2026-03-14", "Tiden ni kom överens om är slut."}, nil},
		{"p-mismatch", erik, []string{"som började den 2026-03-14 har avslutats. Tack för att du var med!"}, []string{"Amina"}},
		{"p-lost", erik, []string{"Ni har inte haft kontakt på länge."}, nil},
		{"p-left", erik, []string{"har avslutats. Tack"}, []string{"Amina"}},
	}
	for _, tt := range tests {
		m := e.sentTo(tt.pair)[tt.person]
		if m == nil {
			t.Errorf("%s: nothing to %s", tt.pair, tt.person)
			continue
		}
		if m.GetSubject() != "Ert mentorpar har avslutats" {
			t.Errorf("%s to %s: subject %q", tt.pair, tt.person, m.GetSubject())
		}
		for _, w := range tt.want {
			if !strings.Contains(m.GetTextBody(), w) {
				t.Errorf("%s to %s: %q lacks %q", tt.pair, tt.person, m.GetTextBody(), w)
			}
		}
		for _, a := range tt.avoid {
			if strings.Contains(m.GetTextBody(), a) {
				t.Errorf("%s to %s: %q says %q", tt.pair, tt.person, m.GetTextBody(), a)
			}
		}
	}

	// Sara is erased from an active pair, the pair's event first; Erik
	// from an offered one, his own erasure first (the pair's event then
	// finds nothing left and plans nothing more).
	e.dir.mu.Lock()
	e.dir.people[sara] = notice.Person{FirstName: "Sara", Email: "sara@example.org", Language: "sv"}
	e.dir.mu.Unlock()
	e.activePair("p-erased", sara)
	e.offerPair("offer-1") // pairID: Amina and Erik, offered
	e.dir.mu.Lock()
	delete(e.dir.people, sara)
	e.dir.mu.Unlock()
	erased("p-erased", sara, eventsv1.Party_PARTY_NEWCOMER, false)
	e.sendUntil(func() error {
		if len(e.sentTo("p-erased")) != 1 {
			return errors.New("the mentor is not told of the erasure yet")
		}
		return nil
	})
	mentorTold := e.sentTo("p-erased")[erik]
	erased(pairID, erik, eventsv1.Party_PARTY_MENTOR, true)
	e.sendUntil(func() error {
		if e.sentTo(pairID)[amina] == nil || e.sentTo(pairID)[amina].GetTemplate() != pb.Template_TEMPLATE_CANCELLATION {
			return errors.New("the newcomer is not told of the erasure yet")
		}
		return nil
	})
	if m := e.sentTo(pairID)[amina]; !strings.Contains(m.GetTextBody(), "Tyvärr blir det vi föreslog inte av.") || strings.Contains(m.GetTextBody(), "Erik") {
		t.Errorf("the offer's end to Amina: %s", m.GetTextBody())
	}
	for _, m := range e.mailbox() {
		if m.GetPersonId() == erik || m.GetPersonId() == sara {
			t.Errorf("a message to an erased person is kept: %v %s", m.GetTemplate(), m.GetProposalId())
		}
	}
	if n := len(e.sentTo(pairID)); n != 1 {
		t.Errorf("the erasure of an offered pair left %d messages, want Amina's cancellation", n)
	}
	if mentorTold == nil || !strings.Contains(mentorTold.GetTextBody(), "Mentorparet som började den 2026-03-14 har avslutats. Tack") ||
		strings.Contains(mentorTold.GetTextBody(), "Sara") {
		t.Errorf("the active pair's end to Erik: %v", mentorTold)
	}
}
