package notice_test

import (
	"errors"
	"testing"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
)

// TestErasedPersonsLinkIsNoLink: a person erased in the register whose
// erasure has not reached notify yet (its consumer behind, or down) holds
// a link that still exists here. Resolved or answered, valid or already
// used, it must read exactly as a token never issued: state invalid and no
// language, so the page is in the visitor's browser language. It said
// "invalid" in the erased person's language (Arabic), which told whoever
// held the link that it was real and whose it was, and a valid one was
// still answered through the programme (ADR 0187).
func TestErasedPersonsLinkIsNoLink(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.offerPair("ev-1")
	e.sendUntil(func() error {
		if to(e.mailbox(), amina) == nil || to(e.mailbox(), erik) == nil {
			return errors.New("the offers are not in the mailbox yet")
		}
		return nil
	})
	aminaTok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	erikTok := tokenOf(t, to(e.mailbox(), erik).GetAnswerUrl())
	// Erik answers; then both are erased in the registers, and notify has
	// not heard yet.
	if out, err := e.svc.Answer(ctx, erikTok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0); err != nil ||
		out.Outcome != pb.AnswerOutcome_ANSWER_OUTCOME_ACCEPTED {
		t.Fatalf("Erik's answer = %+v, %v", out, err)
	}
	e.dir.mu.Lock()
	delete(e.dir.people, amina)
	delete(e.dir.people, erik)
	e.dir.mu.Unlock()
	never, err := e.svc.ResolveLink(ctx, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	if err != nil || never.State != pb.LinkState_LINK_STATE_INVALID || never.Language != "" {
		t.Fatalf("a token never issued = %+v, %v", never, err)
	}
	for name, tok := range map[string]string{"valid": aminaTok, "used": erikTok} {
		r, err := e.svc.ResolveLink(ctx, tok)
		if err != nil || r.State != never.State || r.Language != "" || r.RTL || r.Reviewed || r.Offer != nil {
			t.Errorf("resolving the erased person's %s link = %+v, %v; want it as a token never issued", name, r, err)
		}
		out, err := e.svc.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0)
		if err != nil || out.State != never.State || out.Language != "" || out.RTL || out.Outcome != pb.AnswerOutcome_ANSWER_OUTCOME_NOT_APPLIED {
			t.Errorf("answering the erased person's %s link = %+v, %v; want it as a token never issued", name, out, err)
		}
	}
	if c := e.prog.calls(); len(c) != 1 {
		t.Errorf("the programme got %d answers, want Erik's alone: %+v", len(c), c)
	}
}
