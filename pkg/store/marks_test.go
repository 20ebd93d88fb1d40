package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// eventCount counts the events of type subject on the TEST stream.
func eventCount(ctx context.Context, t *testing.T, s jetstream.Stream, subject string) int {
	t.Helper()
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	return int(info.State.Subjects[subject])
}

// TestRepo_CreateWritesOnceAndMarks: a create is one write of the record
// (no second write to clear its outbox); the writer's mark then covers
// it, so a later incarnation's relay does not publish it again.
func TestRepo_CreateWritesOnceAndMarks(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.MarkInterval = 10 * time.Millisecond
	})
	if _, err := r.Create(ctx, "p1", &facts{MunicipalityCode: "0180"}, event(t, "test.created", "p1")); err != nil {
		t.Fatal(err)
	}
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	// The mark comes; the record is never written again.
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		keys, err := kv.Keys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if strings.HasPrefix(k, "_published.") {
				return nil
			}
		}
		return errors.New("no published mark yet")
	})
	e, err := kv.Get(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if e.Revision() != 1 {
		t.Fatalf("p1 at revision %d, want 1 (the create, not cleared by a second write)", e.Revision())
	}
	r.Close()

	// A new incarnation relays a crashed write (p2) and leaves p1 alone.
	pub2 := &jsPublisher{js: n.JS}
	r2 := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = pub2
		c.Hooks = &store.Hooks{AfterWrite: func(key string) error {
			if key == "p2" {
				return errors.New("crash")
			}
			return nil
		}}
		c.RelayInterval, c.RelayGrace = 20*time.Millisecond, time.Millisecond
	})
	if _, err := r2.Create(ctx, "p2", &facts{}, event(t, "test.created", "p2")); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if got := eventCount(ctx, t, s, "test.created"); got != 2 {
			return fmt.Errorf("created events %d, want 2", got)
		}
		return nil
	})
	if got := pub2.calls.Load(); got != 1 {
		t.Fatalf("the new incarnation published %d events, want 1 (p2's; p1 is covered by the old mark)", got)
	}
	// An update of p1 publishes only its own event: the covered one stays behind.
	if _, _, err := r2.Update(ctx, "p1", func(f *facts, _ uint64) (store.Change, error) {
		f.HouseholdSize = 2
		return store.Change{event(t, "test.updated", "p1")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Counted by type, not calls: with a 1 ms grace the relay may publish
	// the update's event too before Update's own publish settles it (the
	// stream drops the copy), which is not what this checks.
	if got := pub2.published("test.created", "p1"); got != 0 {
		t.Fatalf("the new incarnation published p1's covered create %d times, want 0", got)
	}
	if got := pub2.published("test.updated", "p1"); got == 0 {
		t.Fatal("the update's event was not published")
	}
}

func requestHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// TestRepo_CreateOnceDiesBeforeDeciding: the record is stored but its
// writer died before it decided whether the record holds its request key
// (and so before publishing). After a restart, the retry gets that same
// record and the event goes out once; without a retry, the relay settles
// the record by the same rule and publishes. No reservation is written.
func TestRepo_CreateOnceDiesBeforeDeciding(t *testing.T) {
	t.Parallel()
	for _, retry := range []bool{true, false} {
		t.Run(fmt.Sprintf("retry=%v", retry), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			n := testutil.MustNATSDir(t, dir)
			ctx := testutil.Context(t)
			mustStream(t, n.JS)
			crash := errors.New("crash")
			r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
				c.Publisher = &jsPublisher{js: n.JS}
				c.Hooks = &store.Hooks{AfterRecord: func(string) error { return crash }}
				c.RelayInterval = time.Hour // the dying process never relays
			})
			build := createdBuild(t)
			if _, _, err := r.CreateOnce(ctx, "org/req-1", ids.UUIDv7{}.New, build); !errors.Is(err, crash) {
				t.Fatalf("create: %v, want the crash", err)
			}
			first, ferr := r.Find(store.Query[*facts]{}) // the record is stored
			items := mustItems(t, first, ferr)
			r.Close()
			n.Stop()

			n2 := testutil.MustNATSDir(t, dir)
			s := mustStream(t, n2.JS)
			r2 := mustOpen(t, n2.JS, func(c *store.Config[*facts]) {
				c.Publisher = &jsPublisher{js: n2.JS}
				c.RelayInterval, c.RelayGrace = 20*time.Millisecond, time.Millisecond
				if retry {
					c.RelayInterval = time.Hour // only the retry finishes it
				}
			})
			if !retry {
				testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
					if got := eventCount(ctx, t, s, "test.created"); got != 1 {
						return fmt.Errorf("created events %d, want 1", got)
					}
					return nil
				})
			}
			v, _, err := r2.CreateOnce(ctx, "org/req-1", ids.UUIDv7{}.New, build)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			if v.GetParticipantId() != items[0] {
				t.Fatalf("retry got %s, want the stored %s", v.GetParticipantId(), items[0])
			}
			if r2.Len() != 1 {
				t.Fatalf("records %d, want 1", r2.Len())
			}
			// The retry publishes beside its answer (without a retry,
			// the relay did above).
			testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
				if got := eventCount(ctx, t, s, "test.created"); got != 1 {
					return fmt.Errorf("created events %d, want 1", got)
				}
				return nil
			})
			noReservations(ctx, t, n2.JS)
		})
	}
}

func mustItems(t *testing.T, p store.Page[*facts], err error) []string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range p.Items {
		out = append(out, f.GetParticipantId())
	}
	if len(out) != 1 {
		t.Fatalf("stored records %v, want one", out)
	}
	return out
}

// TestRepo_UnconfirmedCreateLosesToOtherRecord: the writer died after its
// record and before it decided, and an earlier record of the same request
// (a concurrent attempt on another replica, which this replica's index
// had not applied yet) holds the key. The relay deletes the orphan
// without publishing anything for it, and a retry gets the earlier one.
func TestRepo_UnconfirmedCreateLosesToOtherRecord(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	crash := errors.New("crash")
	held, release := make(chan struct{}), make(chan struct{})
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.Hooks = &store.Hooks{
			AfterRecord: func(string) error { return crash },
			// The index does not get to the winner until the crash.
			BeforeWatchApply: func(key string) {
				if key == "winner" {
					close(held)
					<-release
				}
			},
		}
		c.RelayInterval = time.Hour
	})
	build := createdBuild(t)
	// The winner, stored first by the other attempt (its events out).
	putRecord(ctx, t, n.JS, "winner", "org/req-2")
	<-held
	if _, _, err := r.CreateOnce(ctx, "org/req-2", ids.UUIDv7{}.New, build); !errors.Is(err, crash) {
		t.Fatalf("create: %v, want the crash", err)
	}
	page, err := r.Find(store.Query[*facts]{}) // the orphan only
	orphan := mustItems(t, page, err)[0]
	close(release)
	r.Close()
	r2 := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.RelayInterval, c.RelayGrace = 20*time.Millisecond, time.Millisecond
	})
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if _, _, err := r2.Get(ctx, orphan); apperr.ErrorCode(err) != apperr.NotFound {
			return fmt.Errorf("orphan: %v, want NotFound", err)
		}
		return nil
	})
	if got := eventCount(ctx, t, s, "test.created"); got != 0 {
		t.Fatalf("created events %d, want none (the orphan's was never to go out)", got)
	}
	v, _, err := r2.CreateOnce(ctx, "org/req-2", ids.UUIDv7{}.New, build)
	if err != nil || v.GetParticipantId() != "winner" {
		t.Fatalf("retry got %v, %v; want the winner", v, err)
	}
}

// TestRepo_RelayPublishesAllAtOnce leaves 30 creates' events behind, as
// a writer killed under load would, and lets the relay (with an
// events.Publisher: asynchronous publishes, one wait) send them: each
// once, and each entry cleared afterwards.
func TestRepo_RelayPublishesAllAtOnce(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = events.NewPublisher(n.JS)
		c.Hooks = &store.Hooks{AfterWrite: func(string) error { return errors.New("crash") }}
		c.RelayInterval, c.RelayGrace = 20*time.Millisecond, 50*time.Millisecond
	})
	const count = 30
	for i := range count {
		id := fmt.Sprintf("p%02d", i)
		v := &facts{ParticipantId: id}
		if _, err := r.Create(ctx, id, v, factsEvent(t, id, v)); err != nil {
			t.Fatal(err)
		}
	}
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		for i := range count {
			e, err := kv.Get(ctx, fmt.Sprintf("p%02d", i))
			if err != nil {
				return err
			}
			var rec storev1.Record
			if err := proto.Unmarshal(e.Value(), &rec); err != nil {
				return err
			}
			if len(rec.GetOutbox()) > 0 {
				return fmt.Errorf("p%02d not cleared yet", i)
			}
		}
		return nil
	})
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != count {
		t.Fatalf("events %d, want %d (each once)", info.State.Msgs, count)
	}
}
