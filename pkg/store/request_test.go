package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
)

// noReservations fails t unless the requests bucket is empty: creates
// write no reservation.
func noReservations(ctx context.Context, t *testing.T, js jetstream.JetStream) {
	t.Helper()
	requests, err := js.KeyValue(ctx, "people_requests")
	if err != nil {
		t.Fatal(err)
	}
	if st, err := requests.Status(ctx); err != nil || st.Values() != 0 {
		t.Fatalf("requests bucket: %v (%v), want no reservation", st, err)
	}
}

// putRecord stores the record of participant id under id as another
// writer would: carrying the hashed key of requestID, owing outbox.
func putRecord(ctx context.Context, t *testing.T, js jetstream.JetStream, id, requestID string, outbox ...*eventsv1.Envelope) {
	t.Helper()
	people, err := js.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	data, err := proto.Marshal(&facts{ParticipantId: id})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := proto.Marshal(&storev1.Record{Data: data, RequestKey: requestHash(requestID), Outbox: outbox})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := people.Create(ctx, id, raw); err != nil {
		t.Fatal(err)
	}
}

// createdBuild builds a participant whose create publishes test.created.
func createdBuild(t *testing.T) func(id string) (*facts, []*eventsv1.Envelope, error) {
	return func(id string) (*facts, []*eventsv1.Envelope, error) {
		return &facts{ParticipantId: id}, []*eventsv1.Envelope{event(t, "test.created", id)}, nil
	}
}

// heldWatch holds a replica's index behind the bucket while hold is set:
// its watch waits before applying anything until release is closed.
type heldWatch struct {
	hold    atomic.Bool
	release chan struct{}
}

func newHeldWatch() *heldWatch { return &heldWatch{release: make(chan struct{})} }

func (h *heldWatch) beforeApply(string) {
	if h.hold.Load() {
		<-h.release
	}
}

// TestRepo_SameRequestOnTwoReplicas: two identical requests at once on two
// replicas, each storing its record before either index has the other's.
// One record survives, both are answered with it, one event goes out, and
// no reservation is written.
func TestRepo_SameRequestOnTwoReplicas(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	var stored sync.WaitGroup
	stored.Add(2)
	watches := []*heldWatch{newHeldWatch(), newHeldWatch()}
	repos := make([]*store.Repo[*facts], 2)
	for i := range repos {
		repos[i] = mustOpen(t, n.JS, func(c *store.Config[*facts]) {
			c.Publisher = &jsPublisher{js: n.JS}
			c.Hooks = &store.Hooks{
				BeforeWatchApply: watches[i].beforeApply,
				// Both records are stored before either writer decides.
				AfterRecord: func(string) error { stored.Done(); stored.Wait(); return nil },
			}
		})
		watches[i].hold.Store(true)
	}
	go func() {
		stored.Wait()
		for _, w := range watches {
			close(w.release)
		}
	}()
	got := make([]string, 2)
	var wg sync.WaitGroup
	for i, r := range repos {
		wg.Go(func() {
			v, _, err := r.CreateOnce(ctx, "org/req-1", func() string { return fmt.Sprintf("p%d", i+1) }, createdBuild(t))
			if err != nil {
				t.Errorf("replica %d: %v", i+1, err)
			}
			got[i] = v.GetParticipantId()
		})
	}
	wg.Wait()
	if got[0] == "" || got[0] != got[1] {
		t.Fatalf("answers %v, want one record for both", got)
	}
	for _, r := range repos {
		if err := r.Sync(ctx); err != nil {
			t.Fatal(err)
		}
		if r.Len() != 1 {
			t.Fatalf("records %d, want 1", r.Len())
		}
	}
	if c := eventCount(ctx, t, s, "test.created"); c != 1 {
		t.Fatalf("created events %d, want 1", c)
	}
	noReservations(ctx, t, n.JS)
}

// TestRepo_StaleIndexDecidesAfterItsOwnWrite: a replica whose index is
// behind (it lacks a record of the request another replica created and
// answered) stores a record of the same request. It must not decide on
// its own apply of that write: only once its watch has applied it, and so
// the earlier record, does it see that it lost. Deciding earlier leaves
// two records and two events.
func TestRepo_StaleIndexDecidesAfterItsOwnWrite(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	build := createdBuild(t)
	first := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Publisher = &jsPublisher{js: n.JS} })
	held := newHeldWatch()
	wrote := make(chan string, 1)
	behind := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.Hooks = &store.Hooks{
			BeforeWatchApply: held.beforeApply,
			AfterRecord:      func(id string) error { wrote <- id; return nil },
		}
	})
	held.hold.Store(true)
	v, _, err := first.CreateOnce(ctx, "org/req-1", func() string { return "p1" }, build)
	if err != nil || v.GetParticipantId() != "p1" {
		t.Fatalf("first: %v, %v", v, err)
	}
	type answer struct {
		v   *facts
		err error
	}
	done := make(chan answer, 1)
	go func() {
		v, _, err := behind.CreateOnce(ctx, "org/req-1", func() string { return "p2" }, build)
		done <- answer{v, err}
	}()
	if id := <-wrote; id != "p2" {
		t.Fatalf("the replica behind wrote %s, want p2", id)
	}
	// Its own write is applied (a writer applies it at once); its watch
	// has applied nothing since it was held.
	if _, ok := behind.Lookup("p2"); !ok {
		t.Fatal("the writer's index lacks its own write")
	}
	if _, ok := behind.Lookup("p1"); ok {
		t.Fatal("the replica behind already has p1")
	}
	close(held.release)
	a := <-done
	if a.err != nil || a.v.GetParticipantId() != "p1" {
		t.Fatalf("the replica behind answered %v, %v; want p1", a.v, a.err)
	}
	if _, _, err := first.Get(ctx, "p2"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Fatalf("p2: %v, want NotFound (deleted unpublished)", err)
	}
	if c := eventCount(ctx, t, s, "test.created"); c != 1 {
		t.Fatalf("created events %d, want 1", c)
	}
}

// TestRepo_RemovedRequestStaysRemoved: a retry of a create whose record
// was since deleted or erased gets FailedPrecondition, as it did from the
// reservation every create wrote before; also on a replica started after
// the removal (its index never saw the record), from the request key the
// removal keeps in the requests bucket for a day.
func TestRepo_RemovedRequestStaysRemoved(t *testing.T) {
	t.Parallel()
	for _, purge := range []bool{false, true} {
		t.Run(fmt.Sprintf("purge=%v", purge), func(t *testing.T) {
			t.Parallel()
			n := testutil.MustNATS(t)
			ctx := testutil.Context(t)
			mustStream(t, n.JS)
			open := func() *store.Repo[*facts] {
				return mustOpen(t, n.JS, func(c *store.Config[*facts]) {
					c.Publisher = &jsPublisher{js: n.JS}
					c.BeforePurge = func(context.Context, string) error { return nil }
				})
			}
			r := open()
			create := func(r *store.Repo[*facts]) error {
				_, _, err := r.CreateOnce(ctx, "org/req-1", func() string { return "p-new" }, createdBuild(t))
				return err
			}
			v, _, err := r.CreateOnce(ctx, "org/req-1", func() string { return "p1" }, func(id string) (*facts, []*eventsv1.Envelope, error) {
				return &facts{ParticipantId: id}, nil, nil
			})
			if err != nil || v.GetParticipantId() != "p1" {
				t.Fatalf("create: %v, %v", v, err)
			}
			if err := r.Remove(ctx, "p1", purge); err != nil {
				t.Fatal(err)
			}
			if err := create(r); apperr.ErrorCode(err) != apperr.FailedPrecondition {
				t.Fatalf("retry after the removal: %v, want FailedPrecondition", err)
			}
			r.Close()
			later := open()
			if err := create(later); apperr.ErrorCode(err) != apperr.FailedPrecondition {
				t.Fatalf("retry on a replica started after the removal: %v, want FailedPrecondition", err)
			}
			if _, _, err := later.Get(ctx, "p-new"); apperr.ErrorCode(err) != apperr.NotFound {
				t.Fatalf("p-new: %v, want never created", err)
			}
			if later.Len() != 0 {
				t.Fatalf("records %d, want none", later.Len())
			}
		})
	}
}

// TestRepo_OlderVersionsReservationsKept: reservations the previous
// version wrote beside every create are still honoured for their day, so
// a create retried across the upgrade is not made twice: one whose record
// is there (its request key dropped by the old relay's clearing write) is
// answered with it, one whose writer died before its record is created
// under the reserved id, as before.
func TestRepo_OlderVersionsReservationsKept(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	mustStream(t, n.JS)
	old := mustOpen(t, n.JS, nil)
	// A record as the old relay left it: no request key.
	if _, err := old.Create(ctx, "p-stored", &facts{ParticipantId: "p-stored"}); err != nil {
		t.Fatal(err)
	}
	old.Close()
	requests, err := n.JS.KeyValue(ctx, "people_requests")
	if err != nil {
		t.Fatal(err)
	}
	for req, id := range map[string]string{"org/req-stored": "p-stored", "org/req-died": "p-died"} {
		if _, err := requests.Create(ctx, requestHash(req), []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Publisher = &jsPublisher{js: n.JS} })
	for req, want := range map[string]string{"org/req-stored": "p-stored", "org/req-died": "p-died"} {
		v, _, err := r.CreateOnce(ctx, req, func() string { return "p-new" }, func(id string) (*facts, []*eventsv1.Envelope, error) {
			return &facts{ParticipantId: id}, nil, nil
		})
		if err != nil || v.GetParticipantId() != want {
			t.Fatalf("%s: %v, %v; want %s", req, v, err, want)
		}
	}
	if _, ok := r.Lookup("p-new"); ok || r.Len() != 2 {
		t.Fatalf("index: p-new listed %v, %d records; want p-stored and p-died", ok, r.Len())
	}
}

// TestRepo_RequestKeyOutlivesRewrites: a record keeps its request key and
// when it was created through its later writes. A replica started after
// the record was updated sees only its latest revision, newer than an
// orphan of the same request (a concurrent attempt whose writer died
// before deciding); it still orders the two by creation: the relay drops
// the orphan unpublished, and a retry gets the original.
func TestRepo_RequestKeyOutlivesRewrites(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Publisher = &jsPublisher{js: n.JS} })
	build := createdBuild(t)
	if _, _, err := r.CreateOnce(ctx, "org/req-1", func() string { return "p1" }, build); err != nil {
		t.Fatal(err)
	}
	// The orphan, stored after p1 and owing its event.
	putRecord(ctx, t, n.JS, "p2", "org/req-1", event(t, "test.created", "p2"))
	if err := setMunicipality(ctx, r, "p1", "1480"); err != nil {
		t.Fatal(err)
	}
	r.Close()
	later := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.RelayInterval, c.RelayGrace = 20*time.Millisecond, time.Millisecond
	})
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if _, _, err := later.Get(ctx, "p2"); apperr.ErrorCode(err) != apperr.NotFound {
			return fmt.Errorf("orphan: %v, want NotFound", err)
		}
		return nil
	})
	v, _, err := later.CreateOnce(ctx, "org/req-1", func() string { return "p3" }, build)
	if err != nil || v.GetParticipantId() != "p1" || v.GetMunicipalityCode() != "1480" {
		t.Fatalf("retry: %v, %v; want the updated p1", v, err)
	}
	if c := eventCount(ctx, t, s, "test.created"); c != 1 {
		t.Fatalf("created events %d, want 1 (p1's)", c)
	}
}
