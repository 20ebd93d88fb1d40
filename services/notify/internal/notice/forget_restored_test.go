package notice_test

import (
	"errors"
	"testing"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/notify/internal/notice"
	"github.com/motesplats/motesplats/services/notify/server"
)

// TestForgetRemovesMessagesLoadedUnreadable: a replica that loads the
// buckets after the person's key is destroyed (a restore from a backup
// taken before their erasure, then the keyring destroying the key again)
// cannot index their messages and links, so the runbook's repeated
// erasure found nothing by the person index and left the restored copies
// in the buckets (found under make up, ADR 0191). They are removed.
func TestForgetRemovesMessagesLoadedUnreadable(t *testing.T) {
	t.Parallel()
	e := start(t, notice.Channels{})
	ctx := testutil.Context(t)
	e.offerPair("ev-offer")
	e.sendUntil(func() error {
		if m := to(e.mailbox(), amina); m == nil || m.GetAnswerUrl() == "" {
			return errors.New("the offer to Amina is not sent yet")
		}
		return nil
	})
	if err := e.deps.Keyring.Shred(ctx, amina); err != nil {
		t.Fatal(err)
	}
	// The replica that starts after the restore.
	msgs, lnk, tr, err := server.Repos(ctx, e.deps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { msgs.Close(); lnk.Close(); tr.Close() })
	if len(msgs.Unreadable(amina)) == 0 || len(lnk.Unreadable(amina)) == 0 {
		t.Fatalf("the replica loaded %d unreadable messages and %d links of Amina; want some, or the test shows nothing",
			len(msgs.Unreadable(amina)), len(lnk.Unreadable(amina)))
	}
	late := e.serviceWith(notice.Channels{}, "replica-2", func(d *notice.Deps) { d.Messages, d.Links, d.Tracked = msgs, lnk, tr })
	if err := late.HandlePeople(ctx, e.event("ev-erase", events.ParticipantErased, amina, &eventsv1.ParticipantErased{})); err != nil {
		t.Fatal(err)
	}
	// A replica loading the buckets now finds nothing sealed for her.
	msgs2, lnk2, tr2, err := server.Repos(ctx, e.deps)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { msgs2.Close(); lnk2.Close(); tr2.Close() }()
	if m, l := msgs2.Unreadable(amina), lnk2.Unreadable(amina); len(m) != 0 || len(l) != 0 {
		t.Errorf("after the erasure the buckets still hold %d messages and %d links sealed for Amina", len(m), len(l))
	}
}
