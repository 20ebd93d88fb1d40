package notice_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
	"github.com/motesplats/motesplats/services/notify/server"
)

// TestOfferReachesTheMailboxOnceInEachLanguage: an approved pair puts one
// offer per person in the development mailbox, in their language (Arabic
// right to left with the Swedish text, as it is not reviewed), however
// often the event is delivered; the bucket holds no name in clear.
func TestOfferReachesTheMailboxOnceInEachLanguage(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	e.offerPair("ev-1")
	e.offerPair("ev-1") // redelivered
	e.sendUntil(func() error {
		if n := len(e.mailbox()); n != 2 {
			return fmt.Errorf("%d messages in the mailbox, want 2", n)
		}
		return nil
	})
	e.svc.SendDue(testutil.Context(t))
	ms := e.mailbox()
	if len(ms) != 2 {
		t.Fatalf("%d messages after another send pass, want 2", len(ms))
	}
	ar, sv := to(ms, amina), to(ms, erik)
	if ar == nil || sv == nil {
		t.Fatalf("messages to %v", ms)
	}
	if ar.GetLanguage() != "ar" || !strings.Contains(ar.GetHtmlBody(), `dir="rtl"`) ||
		!strings.Contains(ar.GetTextBody(), "Vi har hittat en mentor till dig: Erik") || !strings.Contains(ar.GetTextBody(), "مرشد") {
		t.Errorf("Arabic offer: lang %s\n%s", ar.GetLanguage(), ar.GetTextBody())
	}
	if sv.GetLanguage() != "sv" || !strings.Contains(sv.GetTextBody(), "mentor för Amina") || strings.Contains(sv.GetHtmlBody(), `dir="rtl"`) {
		t.Errorf("Swedish offer:\n%s", sv.GetTextBody())
	}
	if ar.GetAnswerUrl() == "" || !strings.HasPrefix(ar.GetAnswerUrl(), "http://gw.test/a/") || strings.Contains(ar.GetAnswerUrl(), amina) {
		t.Errorf("answer URL %q", ar.GetAnswerUrl())
	}
	full, err := e.svc.GetMailboxMessage(testutil.Context(t), admin, ar.GetId())
	if err != nil || full.GetTextBody() == "" {
		t.Fatalf("GetMailboxMessage = %v, %v", full, err)
	}
	if _, err := e.svc.GetMailboxMessage(testutil.Context(t), auth.Claims{Role: auth.RoleCoordinator, Organisation: org,
		Municipalities: []string{muni}}, ar.GetId()); apperr.ErrorCode(err) != apperr.PermissionDenied {
		t.Errorf("a coordinator read the mailbox: %v", err)
	}
	kv, err := e.nats.JS.KeyValue(testutil.Context(t), server.MessagesBucket)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := kv.Get(testutil.Context(t), ar.GetId())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Value(), []byte("Amina")) || bytes.Contains(raw.Value(), []byte("amina@example.org")) {
		t.Error("the message is stored in clear")
	}
}

// TestAnswerByLink: the link shows the offer under minimum disclosure;
// accepting applies the answer once through the programme, scoped to the
// proposal's organisation; a second answer, a tampered or an expired link
// changes nothing.
func TestAnswerByLink(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.offerPair("ev-1")
	e.sendUntil(func() error {
		if to(e.mailbox(), amina) == nil {
			return errors.New("no offer to Amina yet")
		}
		return nil
	})
	tok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	r, err := e.svc.ResolveLink(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if r.State != pb.LinkState_LINK_STATE_VALID || r.Language != "ar" || !r.RTL || r.Reviewed ||
		r.Offer.GetCounterpartFirstName() != "Erik" || r.Offer.GetSummarySv() == "" || len(r.Actions) != 2 || len(r.Reasons) == 0 {
		t.Fatalf("resolve = %+v", r)
	}
	tampered := []byte(tok)
	tampered[5] ^= 2
	if r, err := e.svc.ResolveLink(ctx, string(tampered)); err != nil || r.State != pb.LinkState_LINK_STATE_INVALID || r.Offer != nil {
		t.Errorf("tampered token: %+v, %v", r, err)
	}
	if _, err := e.svc.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_DECLINE, 0); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("decline without a reason: %v", err)
	}
	e.prog.mu.Lock()
	e.prog.applyErr = apperr.Errorf(apperr.Unavailable, "down")
	e.prog.mu.Unlock()
	if _, err := e.svc.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0); apperr.ErrorCode(err) != apperr.Unavailable {
		t.Fatalf("answer with the programme down: %v", err)
	}
	e.prog.mu.Lock()
	e.prog.applyErr = nil
	e.prog.mu.Unlock()
	out, err := e.svc.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0)
	if err != nil || out.Outcome != pb.AnswerOutcome_ANSWER_OUTCOME_ACCEPTED {
		t.Fatalf("answer after the programme came back = %+v, %v", out, err)
	}
	again, err := e.svc.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_DECLINE, pb.DeclineReason_DECLINE_REASON_NO_TIME)
	if err != nil || again.State != pb.LinkState_LINK_STATE_USED || again.Outcome != pb.AnswerOutcome_ANSWER_OUTCOME_NOT_APPLIED {
		t.Errorf("second answer = %+v, %v", again, err)
	}
	calls := e.prog.calls()
	if len(calls) != 1 {
		t.Fatalf("programme got %d answers, want 1: %+v", len(calls), calls)
	}
	want := notice.AnswerCall{Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: pairID, Role: pb.Role_ROLE_NEWCOMER,
		Action: pb.AnswerAction_ANSWER_ACTION_ACCEPT, OrganisationID: org, Municipality: muni}
	if calls[0] != want {
		t.Errorf("applied %+v, want %+v", calls[0], want)
	}
	// Erik's link expires with the offer.
	erikTok := tokenOf(t, to(e.mailbox(), erik).GetAnswerUrl())
	e.clock.Add(8 * 24 * time.Hour)
	if out, err := e.svc.Answer(ctx, erikTok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0); err != nil || out.State != pb.LinkState_LINK_STATE_EXPIRED {
		t.Errorf("expired link: %+v, %v", out, err)
	}
	if len(e.prog.calls()) != 1 {
		t.Error("an expired link reached the programme")
	}
}

// TestWithdrawnOfferIsAState: a proposal that moved on before the answer
// shows as withdrawn, both when resolving and when the programme refuses.
func TestWithdrawnOfferIsAState(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.offerPair("ev-1")
	e.sendUntil(func() error {
		if to(e.mailbox(), amina) == nil {
			return errors.New("no offer yet")
		}
		return nil
	})
	tok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	e.prog.mu.Lock()
	e.prog.applyErr = apperr.Errorf(apperr.FailedPrecondition, "expired")
	e.prog.mu.Unlock()
	out, err := e.svc.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0)
	if err != nil || out.State != pb.LinkState_LINK_STATE_WITHDRAWN {
		t.Errorf("answer to a moved-on proposal = %+v, %v", out, err)
	}
	e.prog.mu.Lock()
	p := e.prog.pairs[pairID]
	p.Offered = false
	e.prog.pairs[pairID] = p
	e.prog.mu.Unlock()
	erikTok := tokenOf(t, to(e.mailbox(), erik).GetAnswerUrl())
	if r, err := e.svc.ResolveLink(ctx, erikTok); err != nil || r.State != pb.LinkState_LINK_STATE_WITHDRAWN || r.Offer != nil {
		t.Errorf("resolve a withdrawn offer = %+v, %v", r, err)
	}
}

// TestChoicesAndErasure: a person who opted out of offers, or chose no
// messages, is skipped with the reason in words; erasing a person removes
// their messages, mailbox copies and links.
func TestChoicesAndErasure(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.dir.mu.Lock()
	p := e.dir.people[erik]
	p.OptOuts = []typev1.NotificationTopic{typev1.NotificationTopic_NOTIFICATION_TOPIC_OFFERS}
	e.dir.people[erik] = p
	e.dir.mu.Unlock()
	e.offerPair("ev-1")
	coord := auth.Claims{Subject: "c", Role: auth.RoleCoordinator, Organisation: org, Municipalities: []string{muni}}
	e.sendUntil(func() error {
		ds, _, err := e.svc.ListDeliveries(coord, notice.DeliveryFilter{ProposalID: pairID})
		if err != nil {
			return err
		}
		var done int
		for _, d := range ds {
			if d.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_SENT || d.GetStatus() == pb.DeliveryStatus_DELIVERY_STATUS_SKIPPED {
				done++
			}
		}
		if done != 2 {
			return fmt.Errorf("%d of 2 deliveries settled", done)
		}
		return nil
	})
	ds, _, _ := e.svc.ListDeliveries(coord, notice.DeliveryFilter{PersonID: erik})
	if len(ds) != 1 || ds[0].GetStatus() != pb.DeliveryStatus_DELIVERY_STATUS_SKIPPED || ds[0].GetFailure() != pb.Failure_FAILURE_OPTED_OUT ||
		notice.FailureWords(ds[0].GetFailure()) == "" {
		t.Errorf("Erik's delivery = %v", ds)
	}
	other := auth.Claims{Subject: "c2", Role: auth.RoleCoordinator, Organisation: "org-b", Municipalities: []string{muni}}
	if ds, _, err := e.svc.ListDeliveries(other, notice.DeliveryFilter{PersonID: amina}); err != nil || len(ds) != 0 {
		t.Errorf("another organisation sees %d deliveries (%v)", len(ds), err)
	}
	if _, _, err := e.svc.ListDeliveries(coord, notice.DeliveryFilter{}); apperr.ErrorCode(err) != apperr.Invalid {
		t.Errorf("ListDeliveries without a person or proposal: %v", err)
	}
	tok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	if err := e.svc.HandlePeople(ctx, e.event("ev-erase", events.ParticipantErased, amina, &eventsv1.ParticipantErased{})); err != nil {
		t.Fatal(err)
	}
	if m := to(e.mailbox(), amina); m != nil {
		t.Error("the erased person's mailbox copy is still there")
	}
	if r, err := e.svc.ResolveLink(ctx, tok); err != nil || r.State != pb.LinkState_LINK_STATE_INVALID {
		t.Errorf("the erased person's link resolves to %+v, %v", r, err)
	}
}

// TestCheckInIsNoMessage: a pair's check-in (its own payload,
// MentoringCheckInRecorded) is handled without error and sends nothing;
// read as a pair change it failed, and every check-in recorded in the web
// app or with grpcurl became a dead letter.
func TestCheckInIsNoMessage(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ev := e.event("ev-checkin", events.PairCheckedIn, pairID, &eventsv1.MentoringCheckInRecorded{Facts: &eventsv1.PairFacts{PairId: pairID,
		OrganisationId: org, MunicipalityCode: muni, ParticipantId: amina, VolunteerId: erik, Status: eventsv1.PairStatus_PAIR_STATUS_ACTIVE},
		Date: "2026-12-03", Met: true})
	if err := e.svc.HandleMentoring(testutil.Context(t), ev); err != nil {
		t.Fatalf("check-in event: %v", err)
	}
	e.svc.SendDue(testutil.Context(t))
	if ms := e.mailbox(); len(ms) != 0 {
		t.Errorf("a check-in sent %d messages", len(ms))
	}
}
