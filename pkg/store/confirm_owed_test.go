package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// errGone is the check's refusal in these tests, as volunteers word it.
var errGone = apperr.Errorf(apperr.FailedPrecondition, "the organisation is being removed")

// moveChecks configures c as volunteers are (ADR 0152, 0156): a move to
// another organisation is checked after its write, refused while refuse
// holds; other updates are not checked.
func moveChecks(c *store.Config[*facts], refuse *atomic.Bool) {
	c.ConfirmUpdate = func(_ context.Context, before, after *facts) error {
		if refuse.Load() && before.GetOrganisationId() != after.GetOrganisationId() {
			return errGone
		}
		return nil
	}
	c.CheckUpdate = func(before, after *facts) bool { return before.GetOrganisationId() != after.GetOrganisationId() }
}

// moveTo moves p1 to org with a test.updated event.
func moveTo(ctx context.Context, t *testing.T, r *store.Repo[*facts], org string) error {
	_, _, err := r.Update(ctx, "p1", func(v *facts, _ uint64) (store.Change, error) {
		v.OrganisationId = org
		return store.Change{event(t, "test.updated", "p1")}, nil
	})
	return err
}

// storedEntry is p1's entry as stored in the people bucket.
func storedEntry(ctx context.Context, t *testing.T, js jetstream.JetStream) (*storev1.Record, int) {
	t.Helper()
	kv, err := js.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	raw := rawRecord(t, kv, "p1")
	var rec storev1.Record
	if err := proto.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return &rec, len(raw)
}

// TestRepo_RelayChecksAMoveWhoseWriterDied: a move is stored and its
// writer dies before its check (ADR 0152 "Left"). The process and NATS
// stop and start again on the same files. The relay makes the check the
// writer did not: refused, the record is written back as it was and
// nothing of the move is published; allowed, the move is published and
// the entry no longer holds the record as it was. Before ADR 0156 the
// relay published the refused move (the entry no longer held the record
// as it was, and the bucket keeps one revision).
func TestRepo_RelayChecksAMoveWhoseWriterDied(t *testing.T) {
	t.Parallel()
	for _, refused := range []bool{true, false} {
		t.Run(fmt.Sprintf("refused=%v", refused), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			n := testutil.MustNATSDir(t, dir)
			ctx := testutil.Context(t)
			mustStream(t, n.JS)
			kek := sealtest.KEK(t)
			refuse := &atomic.Bool{}
			refuse.Store(refused)
			crash := errors.New("crash")
			r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
				c.Publisher, c.Keyring = &jsPublisher{js: n.JS}, sealtest.Keyring(t, n.JS, kek)
				moveChecks(c, refuse)
				c.Hooks = &store.Hooks{BeforeConfirmUpdate: func(string) error { return crash }}
				c.RelayInterval = time.Hour // the dying process never relays
			})
			if _, err := r.Create(ctx, "p1", &facts{ParticipantId: "p1", OrganisationId: "org-a"},
				event(t, "test.created", "p1")); err != nil {
				t.Fatal(err)
			}
			if err := moveTo(ctx, t, r, "org-b"); !errors.Is(err, crash) {
				t.Fatalf("move: %v, want the crash", err)
			}
			r.Close()
			n.Stop()

			n2 := testutil.MustNATSDir(t, dir)
			s := mustStream(t, n2.JS)
			r2 := mustOpen(t, n2.JS, func(c *store.Config[*facts]) {
				c.Publisher, c.Keyring = &jsPublisher{js: n2.JS}, sealtest.Keyring(t, n2.JS, kek)
				moveChecks(c, refuse)
				c.RelayInterval, c.RelayGrace = 20*time.Millisecond, time.Millisecond
			})
			want, wantEvents := "org-a", 0
			if !refused {
				want, wantEvents = "org-b", 1
			}
			testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
				rec, _ := storedEntry(ctx, t, n2.JS)
				if rec.GetBefore() != nil || len(rec.GetOutbox()) > 0 {
					return fmt.Errorf("the entry still owes its check or its events")
				}
				if got := eventCount(ctx, t, s, "test.updated"); got != wantEvents {
					return fmt.Errorf("updated events %d, want %d", got, wantEvents)
				}
				return nil
			})
			if got, _, err := r2.Get(ctx, "p1"); err != nil || got.GetOrganisationId() != want {
				t.Errorf("after the relay: %v, %v; want it in %s", got, err, want)
			}
			if got := eventCount(ctx, t, s, "test.updated"); got != wantEvents {
				t.Errorf("updated events %d, want %d", got, wantEvents)
			}
			if got := eventCount(ctx, t, s, "test.created"); got != 1 {
				t.Errorf("created events %d, want 1", got)
			}
		})
	}
}

// TestRepo_WriteBetweenAMoveAndItsCheck: another replica writes the
// record (its municipality, with an event of its own) after the move is
// stored and before the move's check. That write makes the move's check
// first. Refused: it puts the record back and writes its own change on
// that; the mover is told the refusal, and the record, on both replicas,
// is in the old organisation with the other change; only the other
// write's event is out. Allowed: both changes stand, each announced once.
// Before ADR 0156 the other write carried the refused move's event out
// and the move's undo failed: the mover heard "being removed" while the
// record stayed in org-b.
func TestRepo_WriteBetweenAMoveAndItsCheck(t *testing.T) {
	t.Parallel()
	for _, refused := range []bool{true, false} {
		t.Run(fmt.Sprintf("refused=%v", refused), func(t *testing.T) {
			t.Parallel()
			n := testutil.MustNATS(t)
			ctx := testutil.Context(t)
			s := mustStream(t, n.JS)
			kr := sealtest.Keyring(t, n.JS)
			refuse := &atomic.Bool{}
			refuse.Store(refused)
			r2 := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
				c.Publisher, c.Keyring = &jsPublisher{js: n.JS}, kr
				moveChecks(c, refuse)
			})
			var once sync.Once
			var other error
			r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
				c.Publisher, c.Keyring = &jsPublisher{js: n.JS}, kr
				moveChecks(c, refuse)
				c.Hooks = &store.Hooks{BeforeConfirmUpdate: func(string) error {
					once.Do(func() {
						_, _, other = r2.Update(ctx, "p1", func(v *facts, _ uint64) (store.Change, error) {
							v.MunicipalityCode = "0380"
							return store.Change{event(t, "test.other", "p1")}, nil
						})
					})
					return nil
				}}
			})
			if _, err := r.Create(ctx, "p1", &facts{ParticipantId: "p1", OrganisationId: "org-a", MunicipalityCode: "0180"}); err != nil {
				t.Fatal(err)
			}
			err := moveTo(ctx, t, r, "org-b")
			if other != nil {
				t.Fatalf("the other write: %v", other)
			}
			want, wantEvents := "org-a", 0
			if refused {
				if !errors.Is(err, errGone) {
					t.Fatalf("move: %v, want %v", err, errGone)
				}
			} else {
				if err != nil {
					t.Fatalf("move, allowed: %v", err)
				}
				want, wantEvents = "org-b", 1
			}
			for i, repo := range []*store.Repo[*facts]{r, r2} {
				if err := repo.Sync(ctx); err != nil {
					t.Fatal(err)
				}
				got, _, err := repo.Get(ctx, "p1")
				if err != nil || got.GetOrganisationId() != want || got.GetMunicipalityCode() != "0380" {
					t.Errorf("replica %d: %v, %v; want it in %s with the other change", i, got, err, want)
				}
			}
			testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
				if got := eventCount(ctx, t, s, "test.other"); got != 1 {
					return fmt.Errorf("other events %d, want 1", got)
				}
				return nil
			})
			if got := eventCount(ctx, t, s, "test.updated"); got != wantEvents {
				t.Errorf("move events %d, want %d", got, wantEvents)
			}
		})
	}
}

// TestRepo_OnlyAMoveStoresItsPrevious: an update the check does not see
// (the municipality) is stored exactly as large as by a repository with
// no check at all; a move holds the record as it was beside it, so its
// entry is larger by at least that record. Sealed, as volunteers are.
func TestRepo_OnlyAMoveStoresItsPrevious(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	mustStream(t, n.JS)
	kr := sealtest.Keyring(t, n.JS)
	refuse := &atomic.Bool{}
	size := func(checked bool, change func(*facts)) (*storev1.Record, int) {
		t.Helper()
		r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
			c.Publisher, c.Keyring = &jsPublisher{js: n.JS}, kr
			if checked {
				moveChecks(c, refuse)
			}
		})
		defer r.Close()
		if _, _, err := r.Update(ctx, "p1", func(v *facts, _ uint64) (store.Change, error) {
			change(v)
			return store.Change{event(t, "test.updated", "p1")}, nil
		}); err != nil {
			t.Fatal(err)
		}
		return storedEntry(ctx, t, n.JS)
	}
	setup := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Keyring = kr })
	if _, err := setup.Create(ctx, "p1", &facts{ParticipantId: "p1", OrganisationId: "org-a", MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	// Each pair writes the same record with the same event sizes: the
	// municipality code and organisation id keep their lengths.
	_, unchecked := size(false, func(v *facts) { v.MunicipalityCode = "0380" })
	rec, plain := size(true, func(v *facts) { v.MunicipalityCode = "0180" })
	if rec.GetBefore() != nil || plain != unchecked {
		t.Errorf("a plain update with the check configured stores %d bytes (previous kept: %v), without %d: want the same",
			plain, rec.GetBefore() != nil, unchecked)
	}
	_, movedUnchecked := size(false, func(v *facts) { v.OrganisationId = "org-b" })
	rec, moved := size(true, func(v *facts) { v.OrganisationId = "org-a" })
	if prev := rec.GetBefore(); prev == nil || moved < movedUnchecked+len(prev.GetSealedData()) || len(prev.GetSealedData()) == 0 {
		t.Errorf("a checked move stores %d bytes, unchecked %d: want the sealed record as it was beside it", moved, movedUnchecked)
	}
	t.Logf("entry bytes: plain update %d (unchecked %d), move %d (unchecked %d)", plain, unchecked, moved, movedUnchecked)
}
