package store_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRepo_ErasureRetryAnswersAsTheFirst is outside47's kill (ADR 0260,
// 0264): the service writes a coordinator's erasure and dies before it
// answers (the hook abandons the rest as a crash would; the caller was
// told "unavailable", so its answer here is not looked at); another
// replica's relay finishes the purge. The coordinator's retry answered
// NotFound, "participant not found"; now it answers as the first would
// have. Another coordinator's erasure of the erased id, and the first
// coordinator's of an id that never was, are NotFound alike, and the
// erasure is not done twice (one erasure event).
func TestRepo_ErasureRetryAnswersAsTheFirst(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	crash := errors.New("killed after the write")
	dying := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.Hooks = &store.Hooks{AfterWrite: func(string) error { return crash }}
		c.RelayInterval = time.Hour // the dying process never relays
	})
	if _, err := dying.Create(ctx, "p1", &facts{MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	in := func(code string) func(*facts) bool {
		return func(f *facts) bool { return f.GetMunicipalityCode() == code }
	}
	erased := func(bool) (*eventsv1.Envelope, error) { return event(t, "test.erased", "p1"), nil }
	_ = dying.RemoveScoped(ctx, "p1", true, "coord-a", in("0180"), false, erased)
	dying.Close()

	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.RelayInterval = 20 * time.Millisecond
		c.RelayGrace = time.Millisecond
	})
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		h, err := kv.History(ctx, "p1")
		if err != nil {
			return err
		}
		if op := h[len(h)-1].Operation(); op != jetstream.KeyValuePurge {
			return fmt.Errorf("p1's last entry is %v, not yet purged", op)
		}
		return nil
	})
	if err := r.RemoveScoped(ctx, "p1", true, "coord-a", in("0180"), false, erased); err != nil {
		t.Errorf("the coordinator's retry: %v, want success as the first", err)
	}
	if err := r.RemoveScoped(ctx, "p1", true, "coord-b", in("1480"), false, erased); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("another coordinator's erasure of the erased id: %v, want NotFound", err)
	}
	if err := r.RemoveScoped(ctx, "p1", false, "coord-a", in("0180"), false, erased); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("a removal (not an erasure) of the erased id: %v, want NotFound", err)
	}
	never := func(bool) (*eventsv1.Envelope, error) { return event(t, "test.erased", "p9"), nil }
	if err := r.RemoveScoped(ctx, "p9", true, "coord-a", in("0180"), false, never); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("an id that never was: %v, want NotFound", err)
	}
	// One outside the caller's scope is not noted: their retry, once
	// another erased it, is NotFound too.
	if _, err := r.Create(ctx, "p2", &facts{MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	erased2 := func(bool) (*eventsv1.Envelope, error) { return event(t, "test.erased", "p2"), nil }
	if err := r.RemoveScoped(ctx, "p2", true, "coord-b", in("1480"), false, erased2); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("erasure out of scope: %v, want NotFound", err)
	}
	if err := r.RemoveScoped(ctx, "p2", true, "coord-a", in("0180"), false, erased2); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveScoped(ctx, "p2", true, "coord-b", in("1480"), false, erased2); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("the out-of-scope caller's retry after another's erasure: %v, want NotFound", err)
	}
	if got := eventCount(ctx, t, s, "test.erased"); got != 2 {
		t.Errorf("%d erasure events, want 2 (one each)", got)
	}
}
