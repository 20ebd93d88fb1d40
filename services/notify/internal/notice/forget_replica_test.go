package notice_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
	"github.com/motesplats/motesplats/services/notify/server"
)

// TestErasureOnAReplicaBehindForgetsNewMessages: an erasure handled by a
// replica whose indexes have not yet seen the messages another replica
// just planned for the person still removes them. Forget used to decide
// from its indexes as they were, so a message planned a moment before the
// erasure (a pair offered, then the newcomer erased) stayed, with the
// erased person's id, when another replica took the erasure.
func TestErasureOnAReplicaBehindForgetsNewMessages(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	late := lateReplica(t, e)
	e.offerPair("ev-offer") // replica 1 plans the offer to Amina and Erik and tracks the pair
	if err := late.HandlePeople(ctx, e.event("ev-erase", events.ParticipantErased, amina, &eventsv1.ParticipantErased{})); err != nil {
		t.Fatal(err)
	}
	if err := e.msgs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.tracked.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if pg, err := e.msgs.Find(store.Query[*pb.StoredMessage]{Index: "person", Values: []string{amina}}); err != nil || pg.Total != 0 {
		t.Errorf("%d messages to the erased newcomer left (%v)", pg.Total, err)
	}
	if pg, err := e.tracked.Find(store.Query[*pb.Tracked]{Index: "person", Values: []string{amina}}); err != nil || pg.Total != 0 {
		t.Errorf("%d tracked proposals of the erased newcomer left (%v)", pg.Total, err)
	}
	// His offer, and since ADR 0148 the word that it will not happen:
	// since ADR 0153 with the pair's erasure, which says the pair was
	// offered still, not with the person's.
	erased := e.event("ev-pair-erased", events.PairErased, pairID, &eventsv1.MentoringPairErased{PairId: pairID,
		ErasedParty: eventsv1.Party_PARTY_NEWCOMER, Status: eventsv1.PairStatus_PAIR_STATUS_OFFERED})
	if err := late.HandleMentoring(ctx, erased); err != nil {
		t.Fatal(err)
	}
	if err := e.msgs.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if pg, err := e.msgs.Find(store.Query[*pb.StoredMessage]{Index: "person", Values: []string{erik}}); err != nil || pg.Total != 2 {
		t.Errorf("%d messages to the mentor, want his offer and its cancellation (%v)", pg.Total, err)
	}
}

// TestPairErasureOnAReplicaBehindForgetsItsLinks: a pair erased on a
// replica whose indexes have not yet seen what another replica just did
// for it (sent the offer, made its answer links) still loses its links,
// its tracking and its messages' words.
func TestPairErasureOnAReplicaBehindForgetsItsLinks(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	late := lateReplica(t, e)
	e.offerPair("ev-offer")
	e.sendUntil(func() error {
		if m := to(e.mailbox(), amina); m == nil || m.GetAnswerUrl() == "" {
			return errors.New("the offer to Amina is not sent yet")
		}
		return nil
	})
	erased := e.event("ev-pair-erased", events.PairErased, pairID, &eventsv1.MentoringPairErased{PairId: pairID})
	if err := late.HandleMentoring(ctx, erased); err != nil {
		t.Fatal(err)
	}
	for _, sync := range []func(context.Context) error{e.msgs.Sync, e.links.Sync, e.tracked.Sync} {
		if err := sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := e.msgs.Find(store.Query[*pb.StoredMessage]{Index: "proposal", Values: []string{pairID}})
	if err != nil || ms.Total == 0 {
		t.Fatalf("messages of the pair: %d, %v", ms.Total, err)
	}
	for _, m := range ms.Items {
		if m.GetSubject() != "" || m.GetTextBody() != "" || m.GetHtmlBody() != "" || m.GetAnswerUrl() != "" {
			t.Errorf("a message of the erased pair keeps its words (to %s)", m.GetPersonId())
		}
	}
	if pg, err := e.links.Find(store.Query[*pb.StoredLink]{Index: "proposal", Values: []string{pairID}}); err != nil || pg.Total != 0 {
		t.Errorf("%d links of the erased pair left (%v)", pg.Total, err)
	}
	if _, _, err := e.tracked.Get(ctx, pairID); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("the erased pair is still tracked (%v)", err)
	}
}

// lateReplica is a second replica over e's buckets whose connection
// passes the server's bytes on late (testutil.Late), so its indexes see
// what e's replica stores a moment after it is stored.
func lateReplica(t *testing.T, e *env) *notice.Service {
	t.Helper()
	ctx := testutil.Context(t)
	_, js := e.nats.ConnectLate(t, 200*time.Millisecond)
	d := e.deps
	d.JS = js
	msgs, lnk, tr, err := server.Repos(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { msgs.Close(); lnk.Close(); tr.Close() })
	return e.serviceWith(notice.Channels{}, "replica-2", func(d *notice.Deps) { d.Messages, d.Links, d.Tracked = msgs, lnk, tr })
}
