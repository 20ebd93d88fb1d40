package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestRepo_ConfirmUpdateUndoesARefusal: Config.ConfirmUpdate sees an
// update once it is stored (a volunteer's move to an organisation being
// removed, ADR 0152). Its refusal is the caller's answer and the record
// is as it was, on this replica and in the bucket, still holding its
// request key, with nothing of the update published; a check it lets
// pass publishes; an update that changes nothing is not asked about. In
// clear and sealed (as volunteers are stored).
func TestRepo_ConfirmUpdateUndoesARefusal(t *testing.T) {
	t.Parallel()
	for _, sealed := range []bool{false, true} {
		t.Run(fmt.Sprintf("sealed=%v", sealed), func(t *testing.T) {
			t.Parallel()
			confirmUpdateUndoes(t, sealed)
		})
	}
}

// confirmUpdateUndoes is TestRepo_ConfirmUpdateUndoesARefusal on one repo,
// sealing with a keyring when sealed.
func confirmUpdateUndoes(t *testing.T, sealed bool) {
	n := testutil.MustNATS(t)
	var kr *seal.Keyring
	if sealed {
		kr = sealtest.Keyring(t, n.JS)
	}
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	gone := apperr.Errorf(apperr.FailedPrecondition, "the organisation is being removed")
	var refuse atomic.Bool
	refuse.Store(true)
	var asked atomic.Int64
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher, c.Keyring = &jsPublisher{js: n.JS}, kr
		c.ConfirmUpdate = func(_ context.Context, before, after *facts) error {
			asked.Add(1)
			if refuse.Load() && before.GetOrganisationId() != after.GetOrganisationId() {
				return gone
			}
			return nil
		}
	})
	build := func(id string) (*facts, []*eventsv1.Envelope, error) {
		return &facts{ParticipantId: id, OrganisationId: "org-a"}, []*eventsv1.Envelope{event(t, "test.created", id)}, nil
	}
	created, _, err := r.CreateOnce(ctx, "req-1", ids.UUIDv7{}.New, build)
	if err != nil {
		t.Fatal(err)
	}
	id := created.GetParticipantId()
	move := func(org string) error {
		_, _, err := r.Update(ctx, id, func(v *facts, _ uint64) (store.Change, error) {
			v.OrganisationId = org
			return store.Change{event(t, "test.updated", id)}, nil
		})
		return err
	}

	if err := move("org-b"); !errors.Is(err, gone) {
		t.Fatalf("move: %v, want %v", err, gone)
	}
	if got, _, err := r.Get(ctx, id); err != nil || got.GetOrganisationId() != "org-a" {
		t.Errorf("after the refused move: %v, %v; want it in org-a", got, err)
	}
	r2 := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Keyring = kr })
	if got, _, err := r2.Get(ctx, id); err != nil || got.GetOrganisationId() != "org-a" {
		t.Errorf("another replica after the refused move: %v, %v; want it in org-a", got, err)
	}
	// Its request key stayed: the request again answers the record.
	if again, _, err := r.CreateOnce(ctx, "req-1", ids.UUIDv7{}.New, build); err != nil || again.GetParticipantId() != id {
		t.Errorf("the create's request again: %v, %v; want record %s", again, err, id)
	}
	if got := eventCount(ctx, t, s, "test.updated"); got != 0 {
		t.Errorf("updated events %d after the refusal, want 0", got)
	}

	before := asked.Load()
	if _, _, err := r.Update(ctx, id, func(*facts, uint64) (store.Change, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if got := asked.Load(); got != before {
		t.Errorf("ConfirmUpdate asked %d times about an update that wrote nothing, want 0", got-before)
	}

	refuse.Store(false)
	if err := move("org-b"); err != nil {
		t.Fatalf("move, allowed: %v", err)
	}
	if got, _, err := r.Get(ctx, id); err != nil || got.GetOrganisationId() != "org-b" {
		t.Errorf("after the allowed move: %v, %v; want it in org-b", got, err)
	}
	if got := eventCount(ctx, t, s, "test.updated"); got != 1 {
		t.Errorf("updated events %d after the allowed move, want 1", got)
	}
}

// TestRepo_RelayKeepsAnUpdatedRecord: Config.Confirm is a create's check.
// A record created and answered long ago, whose update's writer died
// before publishing, is published by the relay even when Confirm would
// refuse it now. Asking Confirm there deleted the record, with no event,
// after its creation had been announced.
func TestRepo_RelayKeepsAnUpdatedRecord(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	gone := apperr.Errorf(apperr.FailedPrecondition, "the organisation is being removed")
	var crash, refuse atomic.Bool
	confirm := func(context.Context, *facts) error {
		if refuse.Load() {
			return gone
		}
		return nil
	}
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher, c.Confirm, c.RelayInterval = &jsPublisher{js: n.JS}, confirm, time.Hour
		c.Hooks = &store.Hooks{AfterWrite: func(string) error {
			if crash.Load() {
				return errors.New("crash")
			}
			return nil
		}}
	})
	v, _, err := r.CreateOnce(ctx, "req-1", ids.UUIDv7{}.New, createdBuild(t))
	if err != nil {
		t.Fatal(err)
	}
	id := v.GetParticipantId()
	// The update is stored; its writer dies before it publishes.
	crash.Store(true)
	refuse.Store(true)
	if _, _, err := r.Update(ctx, id, func(v *facts, _ uint64) (store.Change, error) {
		v.OrganisationId = "org-b"
		return store.Change{event(t, "test.updated", id)}, nil
	}); err != nil {
		t.Fatal(err)
	}
	r2 := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher, c.Confirm = &jsPublisher{js: n.JS}, confirm
		c.RelayInterval, c.RelayGrace = 20*time.Millisecond, time.Millisecond
	})
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if got := eventCount(ctx, t, s, "test.updated"); got != 1 {
			return fmt.Errorf("updated events %d, want the relay to publish 1", got)
		}
		return nil
	})
	if got, _, err := r2.Get(ctx, id); err != nil || got.GetOrganisationId() != "org-b" {
		t.Errorf("the updated record after the relay: %v, %v; want it kept", got, err)
	}
}

// TestRepo_Fence: a fenced record is unchanged, at a new revision, so a
// write still on its way that names the old one is refused; a removed
// record cannot be fenced (NotFound).
func TestRepo_Fence(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := mustOpen(t, n.JS, nil)
	rev, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Fence(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	got, now, err := r.Get(ctx, "p1")
	if err != nil || got.GetMunicipalityCode() != "0180" || now <= rev {
		t.Errorf("fenced: %v at %d (%v), want it unchanged past revision %d", got, now, err, rev)
	}
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Update(ctx, "p1", nil, rev); err == nil {
		t.Errorf("a write at the revision before the fence landed")
	}
	if err := r.Remove(ctx, "p1", false); err != nil {
		t.Fatal(err)
	}
	if err := r.Fence(ctx, "p1"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("fence of a removed record: %v, want NotFound", err)
	}
}
