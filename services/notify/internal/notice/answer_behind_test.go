package notice_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
	"github.com/motesplats/motesplats/services/notify/server"
)

// TestAnswerOnAReplicaBehindTheLink: a link another replica made a moment
// ago is read and answered on a replica whose index has not seen it yet.
// The look-up decided from the index alone, so the gateway's page said
// "this link does not work" (404) to a person holding a real offer, while
// the other replica would have taken the answer (ADR 0198).
func TestAnswerOnAReplicaBehindTheLink(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	_, js := e.nats.ConnectLate(t, 400*time.Millisecond)
	late, lnk := e.replicaOn(t, js, "replica-late")
	e.offerPair("ev-offer") // replica 1 sends the offer and makes its link
	e.sendUntil(func() error {
		if m := to(e.mailbox(), amina); m == nil || m.GetAnswerUrl() == "" {
			return errors.New("the offer to Amina is not sent yet")
		}
		return nil
	})
	tok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	if n := lnk.Len(); n != 0 {
		t.Fatalf("the late replica's index holds %d links already: the test needs it behind", n)
	}
	r, err := late.ResolveLink(ctx, tok)
	if err != nil || r.State != pb.LinkState_LINK_STATE_VALID || r.Offer == nil {
		t.Fatalf("the offer read on a replica behind it: state %v, %v; want valid", r.State, err)
	}
	out, err := late.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0)
	if err != nil || out.Outcome != pb.AnswerOutcome_ANSWER_OUTCOME_ACCEPTED {
		t.Fatalf("the offer answered on a replica behind it: %v (state %v), %v; want accepted", out.Outcome, out.State, err)
	}
	if n := len(e.prog.calls()); n != 1 {
		t.Errorf("%d answers applied, want 1", n)
	}
	// Answered: either replica now says so, behind or not.
	for name, svc := range map[string]*notice.Service{"first": e.svc, "late": late} {
		if out, err := svc.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0); err != nil || out.State != pb.LinkState_LINK_STATE_USED {
			t.Errorf("the answered link again on the %s replica: state %v, %v; want used", name, out.State, err)
		}
	}
}

// TestAnswerRightAfterNATSRestarts: NATS restarts between the offer's
// approval and its answer (the kill -9 of nats-1 in deploy/ops
// TestUp_KillNineInsideTheJobs), the offer is sent by one replica after
// the restart, and the person's answer reaches the other. That replica's
// index no longer follows the bucket: its watch is a consumer the
// restarted server forgot, which the client makes again only after two
// missed heartbeats (10-20 s). The answer said "this link does not work"
// until then; it is taken.
func TestAnswerRightAfterNATSRestarts(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	nc, js := e.nats.Connect(t)
	other, lnk := e.replicaOn(t, js, "replica-2")
	port := e.nats.Server.Addr().(*net.TCPAddr).Port
	e.nats.Server.Shutdown()
	e.nats.Server.WaitForShutdown()
	s, err := natsembed.Start(natsembed.Options{StoreDir: e.nats.Dir, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	e.nats.Server = s // stopped by the cleanup MustNATS registered
	testutil.CheckFor(t, 20*time.Second, 20*time.Millisecond, func() error {
		for _, c := range []*nats.Conn{e.nats.Conn, nc} {
			if !c.IsConnected() {
				return errors.New("a replica has not reconnected yet")
			}
		}
		return nil
	})
	e.offerPair("ev-offer")
	e.sendUntil(func() error {
		if m := to(e.mailbox(), amina); m == nil || m.GetAnswerUrl() == "" {
			return errors.New("the offer to Amina is not sent yet")
		}
		return nil
	})
	tok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	t.Logf("the other replica's index holds %d links when the answer comes (0: its watch not yet made again)", lnk.Len())
	out, err := other.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0)
	if err != nil || out.Outcome != pb.AnswerOutcome_ANSWER_OUTCOME_ACCEPTED {
		t.Fatalf("the offer answered on the other replica right after NATS restarted: %v (state %v), %v; want accepted",
			out.Outcome, out.State, err)
	}
}

// TestAnswerLinkUnreadableSaysTryAgain: while the links' bucket cannot be
// read (NATS down), a link is neither shown from what the index held nor
// called unknown: both calls say "try again" (Unavailable), which the
// gateway's page words as "nothing has changed; try again in a while".
func TestAnswerLinkUnreadableSaysTryAgain(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	e.offerPair("ev-offer")
	e.sendUntil(func() error {
		if m := to(e.mailbox(), amina); m == nil || m.GetAnswerUrl() == "" {
			return errors.New("the offer to Amina is not sent yet")
		}
		return nil
	})
	tok := tokenOf(t, to(e.mailbox(), amina).GetAnswerUrl())
	e.nats.Server.Shutdown()
	e.nats.Server.WaitForShutdown()
	ctx, cancel := context.WithTimeout(testutil.Context(t), 3*time.Second)
	defer cancel()
	if r, err := e.svc.ResolveLink(ctx, tok); apperr.ErrorCode(err) != apperr.Unavailable {
		t.Errorf("the offer read with NATS down: state %v, %v; want unavailable", r.State, err)
	}
	if out, err := e.svc.Answer(ctx, tok, pb.AnswerAction_ANSWER_ACTION_ACCEPT, 0); apperr.ErrorCode(err) != apperr.Unavailable {
		t.Errorf("the offer answered with NATS down: state %v, %v; want unavailable", out.State, err)
	}
	if n := len(e.prog.calls()); n != 0 {
		t.Errorf("%d answers applied with NATS down, want 0", n)
	}
}

// replicaOn is another replica over e's buckets, opened through js (its
// own connection), with its links repository.
func (e *env) replicaOn(t *testing.T, js jetstream.JetStream, owner string) (*notice.Service, *store.Repo[*pb.StoredLink]) {
	t.Helper()
	d := e.deps
	d.JS = js
	msgs, lnk, tr, err := server.Repos(testutil.Context(t), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { msgs.Close(); lnk.Close(); tr.Close() })
	return e.serviceWith(notice.Channels{}, owner, func(d *notice.Deps) { d.Messages, d.Links, d.Tracked = msgs, lnk, tr }), lnk
}
