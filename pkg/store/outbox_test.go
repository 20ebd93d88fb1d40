package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func TestRepo_OutboxPublishesOnceAndClears(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	pub := &jsPublisher{js: n.JS}
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Publisher = pub })
	if _, err := r.Create(ctx, "p1", &facts{}, event(t, "test.created", "p1")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Update(ctx, "p1", func(f *facts, _ uint64) (store.Change, error) {
		f.HouseholdSize = 3
		return store.Change{event(t, "test.updated", "p1")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.State.Msgs; got != 2 {
		t.Fatalf("stream has %d events, want 2", got)
	}
	// The outbox was cleared, so another update publishes only its own event.
	if _, _, err := r.Update(ctx, "p1", func(*facts, uint64) (store.Change, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if got := pub.calls.Load(); got != 2 {
		t.Fatalf("publish calls=%d, want 2", got)
	}
}

// TestRepo_CrashBetweenWriteAndPublish stops the write right after the entry
// is durable, as a killed process would, shuts NATS down, and starts
// everything again on the same files: the record is there and its event is
// published exactly once by the relay.
func TestRepo_CrashBetweenWriteAndPublish(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	n := testutil.MustNATSDir(t, dir)
	ctx := testutil.Context(t)
	mustStream(t, n.JS)
	crash := errors.New("crash")
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.Hooks = &store.Hooks{AfterWrite: func(string) error { return crash }}
		c.RelayInterval = time.Hour // the dying process never relays
	})
	ev := event(t, "test.created", "p1")
	if _, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"}, ev); err != nil {
		t.Fatalf("create: %v", err)
	}
	r.Close()
	n.Stop()

	n2 := testutil.MustNATSDir(t, dir)
	s := mustStream(t, n2.JS)
	r2 := mustOpen(t, n2.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n2.JS}
		c.RelayInterval = 20 * time.Millisecond
		c.RelayGrace = time.Millisecond
	})
	got, _, err := r2.Get(ctx, "p1")
	if err != nil || got.GetMunicipalityCode() != "0180" {
		t.Fatalf("after restart get=%v err=%v", got, err)
	}
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		info, err := s.Info(ctx)
		if err != nil {
			return err
		}
		if info.State.Msgs != 1 {
			return fmt.Errorf("stream has %d events, want 1", info.State.Msgs)
		}
		return nil
	})
	msg, err := s.GetLastMsgForSubject(ctx, "test.created")
	if err != nil {
		t.Fatal(err)
	}
	if got := msg.Header.Get(jetstream.MsgIDHeader); got != ev.GetId() {
		t.Fatalf("published event id=%q, want %q", got, ev.GetId())
	}
	// The relay cleared the outbox: a later relay round publishes nothing more.
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		e, err := n2.JS.KeyValue(ctx, "people")
		if err != nil {
			return err
		}
		entry, err := e.Get(ctx, "p1")
		if err != nil {
			return err
		}
		if entry.Revision() < 2 {
			return errors.New("outbox not cleared yet")
		}
		return nil
	})
}
