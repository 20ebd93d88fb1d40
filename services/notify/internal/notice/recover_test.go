package notice_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// stoppingProg is the programmes of a replica that stops mid-answer: its
// Apply ends the calling goroutine where a kill -9 would end the process,
// after the link's claim and before the programme heard of the answer.
type stoppingProg struct{ *fakeProg }

func (stoppingProg) Apply(context.Context, notice.AnswerCall) error {
	runtime.Goexit()
	return nil
}

// TestAnswerCutOffByAStopIsApplied: an answer whose process stopped
// between the link's claim and the programme's call (outside round s25
// killed the stack there: the page said "already answered", the guide
// assignment stayed unaccepted) is applied by the sweep once the grace
// is over, with its decline reason, once, though two replicas sweep; not
// before the grace, while it could still be in flight.
func TestAnswerCutOffByAStopIsApplied(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.offerPair("ev-1")
	e.sendUntil(func() error {
		if to(e.mailbox(), amina) == nil || to(e.mailbox(), erik) == nil {
			return errors.New("no offers yet")
		}
		return nil
	})
	aminaTok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	erikTok := tokenOf(t, to(e.mailbox(), erik).GetAnswerUrl())
	stopping := e.serviceWith(notice.Channels{}, "replica-stopped", func(d *notice.Deps) { d.Programmes = stoppingProg{e.prog} })
	for _, a := range []struct {
		tok    string
		action pb.AnswerAction
		reason pb.DeclineReason
	}{
		{aminaTok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0},
		{erikTok, pb.AnswerAction_ANSWER_ACTION_DECLINE, pb.DeclineReason_DECLINE_REASON_NO_TIME},
	} {
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _ = stopping.Answer(ctx, a.tok, a.action, a.reason)
			t.Error("the stopping replica's answer returned")
		}()
		<-done
	}
	if r, err := e.svc.ResolveLink(ctx, aminaTok); err != nil || r.State != pb.LinkState_LINK_STATE_USED {
		t.Fatalf("the cut-off answer's link = %+v, %v; want used", r, err)
	}
	if n := len(e.prog.calls()); n != 0 {
		t.Fatalf("the programme got %d answers before any sweep", n)
	}
	other := e.newService(notice.Channels{}, "replica-2")
	if err := e.svc.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.prog.calls()); n != 0 {
		t.Fatalf("a sweep inside the grace applied %d answers that could still be in flight", n)
	}
	e.clock.Add(notice.AnswerGrace + time.Second)
	for _, s := range []*notice.Service{e.svc, other, e.svc} {
		if err := s.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := e.prog.calls()
	want := []notice.AnswerCall{
		{Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: pairID, Role: pb.Role_ROLE_NEWCOMER,
			Action: pb.AnswerAction_ANSWER_ACTION_ACCEPT, OrganisationID: org, Municipality: muni},
		{Programme: pb.Programme_PROGRAMME_MENTORING, ProposalID: pairID, Role: pb.Role_ROLE_MENTOR,
			Action: pb.AnswerAction_ANSWER_ACTION_DECLINE, Reason: pb.DeclineReason_DECLINE_REASON_NO_TIME, OrganisationID: org, Municipality: muni},
	}
	if len(got) != len(want) {
		t.Fatalf("after the sweeps the programme got %+v, want each cut-off answer once: %+v", got, want)
	}
	for _, w := range want {
		found := 0
		for _, g := range got {
			if g == w {
				found++
			}
		}
		if found != 1 {
			t.Errorf("%+v applied %d times, want once (got %+v)", w, found, got)
		}
	}
}
