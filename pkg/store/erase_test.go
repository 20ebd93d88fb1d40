package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func TestRepo_ErasePurgesEverything(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Publisher = &jsPublisher{js: n.JS} })
	secret := "SECRET-MARKER-0180"
	if _, err := r.Create(ctx, "p1", &facts{MunicipalityCode: secret}); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, "p1", true, event(t, "test.erased", "p1")); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Lookup("p1"); ok {
		t.Fatal("erased record in index")
	}
	kvs, err := n.JS.Stream(ctx, "KV_people")
	if err != nil {
		t.Fatal(err)
	}
	info, err := kvs.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := kvs.GetMsg(ctx, seq)
		if err != nil {
			continue // removed
		}
		if len(m.Data) > 0 {
			t.Fatalf("bucket still holds data at seq %d: %q", seq, m.Data)
		}
	}
	sinfo, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sinfo.State.Msgs != 1 {
		t.Fatalf("erased events=%d, want 1", sinfo.State.Msgs)
	}
}

// TestRepo_ErasedStaysErased retries the request that created a record
// after the record was erased: nothing comes back.
func TestRepo_ErasedStaysErased(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	var purged []string
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.BeforePurge = func(_ context.Context, id string) error { purged = append(purged, id); return nil }
		c.Publisher = &jsPublisher{js: n.JS}
	})
	mustStream(t, n.JS)
	create := func() (*facts, error) {
		v, _, err := r.CreateOnce(ctx, "org/req-1", func() string { return "p1" }, func(id string) (*facts, []*eventsv1.Envelope, error) {
			return &facts{ParticipantId: id}, nil, nil
		})
		return v, err
	}
	if _, err := create(); err != nil {
		t.Fatal(err)
	}
	if err := r.Remove(ctx, "p1", true); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(purged) != "[p1]" {
		t.Fatalf("BeforePurge calls=%v, want [p1]", purged)
	}
	if _, err := create(); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("retried create after erase: %v, want FailedPrecondition", err)
	}
	if _, err := r.Create(ctx, "p1", &facts{}); apperr.ErrorCode(err) != apperr.AlreadyExists {
		t.Fatalf("create of an erased id: %v, want AlreadyExists", err)
	}
	if _, _, err := r.Get(ctx, "p1"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Fatalf("get: %v, want NotFound", err)
	}
}

func TestRepo_EraseRemoved(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Publisher = &jsPublisher{js: n.JS} })
	if _, err := r.Create(ctx, "p1", &facts{}); err != nil {
		t.Fatal(err)
	}
	if err := r.EraseRemoved(ctx, "p1"); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("erase of a live record: %v, want FailedPrecondition", err)
	}
	if err := r.Remove(ctx, "p1", false); err != nil {
		t.Fatal(err)
	}
	if err := r.EraseRemoved(ctx, "p1", event(t, "test.erased", "p1")); err != nil {
		t.Fatalf("erase after delete: %v", err)
	}
	if err := r.EraseRemoved(ctx, "never"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Fatalf("erase of an unknown id: %v, want NotFound", err)
	}
	if _, err := s.GetLastMsgForSubject(ctx, "test.erased"); err != nil {
		t.Fatalf("erased event: %v", err)
	}
}

// TestRepo_EraseDropsOwedEvents: events a crashed writer left in the
// outbox are not published after an erasure purged the history.
func TestRepo_EraseDropsOwedEvents(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	crashing := true
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.RelayInterval = time.Hour
		c.Hooks = &store.Hooks{AfterWrite: func(string) error {
			if crashing {
				return errors.New("crash")
			}
			return nil
		}}
	})
	if _, err := r.Create(ctx, "p1", &facts{}, event(t, "test.created", "p1")); err != nil {
		t.Fatal(err)
	}
	crashing = false
	if err := r.Remove(ctx, "p1", true, event(t, "test.erased", "p1")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetLastMsgForSubject(ctx, "test.created"); err == nil {
		t.Fatal("the owed created event was published after the erasure")
	}
	if _, err := s.GetLastMsgForSubject(ctx, "test.erased"); err != nil {
		t.Fatalf("erased event: %v", err)
	}
}
