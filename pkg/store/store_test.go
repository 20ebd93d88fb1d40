package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

type facts = eventsv1.ParticipantFacts

// jsPublisher publishes to real JetStream with the event id as Nats-Msg-Id,
// as pkg/events does.
type jsPublisher struct {
	js    jetstream.JetStream
	calls atomic.Int64
	mu    sync.Mutex
	types []string // of every event published, in order
}

func (p *jsPublisher) Publish(ctx context.Context, env *eventsv1.Envelope) error {
	p.calls.Add(1)
	p.mu.Lock()
	p.types = append(p.types, env.GetType()+" "+env.GetSubjectId())
	p.mu.Unlock()
	data, err := proto.Marshal(env)
	if err != nil {
		return err
	}
	_, err = p.js.PublishMsg(ctx, &nats.Msg{Subject: env.GetType(), Data: data}, jetstream.WithMsgID(env.GetId()))
	return err
}

// published counts the events of type about subject published so far
// (the relay and a writer may both publish one: the stream drops the copy).
func (p *jsPublisher) published(typ, subject string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, s := range p.types {
		if s == typ+" "+subject {
			n++
		}
	}
	return n
}

func mustStream(t *testing.T, js jetstream.JetStream) jetstream.Stream {
	t.Helper()
	s, err := js.CreateOrUpdateStream(testutil.Context(t), jetstream.StreamConfig{
		Name: "TEST", Subjects: []string{"test.>"}, Storage: jetstream.FileStorage, Duplicates: 2 * time.Minute,
	})
	if err != nil {
		t.Fatalf("stream: %v", err)
	}
	return s
}

func mustOpen(t testing.TB, js jetstream.JetStream, mod func(*store.Config[*facts])) *store.Repo[*facts] {
	t.Helper()
	cfg := store.Config[*facts]{
		Bucket: "people",
		New:    func() *facts { return &facts{} },
		Indexes: map[string]func(*facts) []string{
			"municipality": func(f *facts) []string { return []string{f.GetMunicipalityCode()} },
		},
	}
	if mod != nil {
		mod(&cfg)
	}
	r, err := store.Open(testutil.Context(t), js, cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

func event(t *testing.T, subject, subjectID string) *eventsv1.Envelope {
	t.Helper()
	payload, err := anypb.New(&eventsv1.ParticipantErased{ParticipantId: subjectID})
	if err != nil {
		t.Fatal(err)
	}
	return &eventsv1.Envelope{Id: ids.UUIDv7{}.New(), Type: subject, SubjectId: subjectID, Payload: payload}
}

func TestRepo_CreateGetUpdateRemove(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := mustOpen(t, n.JS, nil)

	if _, err := r.Create(ctx, "p1", &facts{ParticipantId: "p1", MunicipalityCode: "0180"}); err != nil {
		t.Fatalf("create: %v", err)
	}
	if _, err := r.Create(ctx, "p1", &facts{}); apperr.ErrorCode(err) != apperr.AlreadyExists {
		t.Fatalf("second create err=%v, want AlreadyExists", err)
	}
	got, rev, err := r.Get(ctx, "p1")
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.GetMunicipalityCode() != "0180" || rev == 0 {
		t.Fatalf("get=%v rev=%d", got, rev)
	}
	upd, rev2, err := r.Update(ctx, "p1", func(f *facts, _ uint64) (store.Change, error) {
		f.MunicipalityCode = "1480"
		return nil, nil
	})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if upd.GetMunicipalityCode() != "1480" || rev2 <= rev {
		t.Fatalf("update=%v rev=%d (was %d)", upd, rev2, rev)
	}
	// The writer's own index has the change at once.
	if f, ok := r.Lookup("p1"); !ok || f.GetMunicipalityCode() != "1480" {
		t.Fatalf("lookup after update=%v,%v", f, ok)
	}
	boom := errors.New("boom")
	if _, _, err := r.Update(ctx, "p1", func(*facts, uint64) (store.Change, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("update with failing fn err=%v, want boom", err)
	}
	if err := r.Remove(ctx, "p1", false); err != nil {
		t.Fatalf("remove: %v", err)
	}
	for _, fn := range []func() error{
		func() error { _, _, err := r.Get(ctx, "p1"); return err },
		func() error {
			_, _, err := r.Update(ctx, "p1", func(*facts, uint64) (store.Change, error) { return nil, nil })
			return err
		},
		func() error { return r.Remove(ctx, "p1", false) },
		func() error { _, _, err := r.Get(ctx, "bad.id"); return err },
	} {
		if err := fn(); apperr.ErrorCode(err) != apperr.NotFound {
			t.Fatalf("after remove err=%v, want NotFound", err)
		}
	}
	if _, ok := r.Lookup("p1"); ok {
		t.Fatal("removed record still in the index")
	}
}

func TestRepo_ConcurrentUpdatesLoseNothing(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	// Two replicas on their own connections write the same record.
	_, js2 := n.Connect(t)
	a := mustOpen(t, n.JS, nil)
	b := mustOpen(t, js2, nil)
	if _, err := a.Create(ctx, "p1", &facts{}); err != nil {
		t.Fatal(err)
	}
	const writers = 50
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := a
			if i%2 == 1 {
				r = b
			}
			_, _, err := r.Update(ctx, "p1", func(f *facts, _ uint64) (store.Change, error) {
				f.HouseholdSize++
				f.Interests = append(f.Interests, fmt.Sprintf("w%d", i))
				return nil, nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("update: %v", err)
		}
	}
	got, _, err := a.Get(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if got.GetHouseholdSize() != writers || len(got.GetInterests()) != writers {
		t.Fatalf("household_size=%d interests=%d, want %d each", got.GetHouseholdSize(), len(got.GetInterests()), writers)
	}
}

func TestRepo_ReplicasConverge(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	_, js2 := n.Connect(t)
	a := mustOpen(t, n.JS, nil)
	b := mustOpen(t, js2, nil)
	var removed atomic.Int64
	b.OnChange(func(id string, _ *facts, ok bool) {
		if !ok {
			removed.Add(1)
		}
	})
	for i := range 20 {
		id := fmt.Sprintf("p%02d", i)
		if _, err := a.Create(ctx, id, &facts{MunicipalityCode: []string{"0180", "1480"}[i%2]}); err != nil {
			t.Fatal(err)
		}
	}
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if got := b.Len(); got != 20 {
			return fmt.Errorf("replica b has %d records, want 20", got)
		}
		return nil
	})
	if err := a.Remove(ctx, "p03", true); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if _, ok := b.Lookup("p03"); ok {
			return errors.New("erased record still on replica b")
		}
		if removed.Load() == 0 {
			return errors.New("no removal notified")
		}
		return nil
	})
	page, err := b.Find(store.Query[*facts]{Index: "municipality", Values: []string{"1480"}})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 9 { // p01..p19 odd, minus p03
		t.Fatalf("total=%d, want 9", page.Total)
	}
}

func TestRepo_FindPages(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := mustOpen(t, n.JS, nil)
	for i := range 7 {
		if _, err := r.Create(ctx, fmt.Sprintf("p%d", i), &facts{HouseholdSize: int32(i)}); err != nil {
			t.Fatal(err)
		}
	}
	even := func(f *facts) bool { return f.GetHouseholdSize()%2 == 0 } // p0 p2 p4 p6
	var got []int32
	after := ""
	pages := 0
	for {
		p, err := r.Find(store.Query[*facts]{Filter: even, After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if p.Total != 4 {
			t.Fatalf("total=%d, want 4", p.Total)
		}
		for _, f := range p.Items {
			got = append(got, f.GetHouseholdSize())
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if fmt.Sprint(got) != "[0 2 4 6]" || pages != 2 {
		t.Fatalf("got %v in %d pages, want [0 2 4 6] in 2", got, pages)
	}
	if _, err := r.Find(store.Query[*facts]{Index: "nope"}); err == nil {
		t.Fatal("unknown index accepted")
	}
}

func TestRepo_CreateOnceIsIdempotent(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := mustOpen(t, n.JS, nil)
	var built atomic.Int64
	create := func() (string, error) {
		v, _, err := r.CreateOnce(ctx, "org-1/req-42", ids.UUIDv7{}.New, func(id string) (*facts, []*eventsv1.Envelope, error) {
			built.Add(1)
			return &facts{ParticipantId: id}, nil, nil
		})
		return v.GetParticipantId(), err
	}
	var wg sync.WaitGroup
	got := make([]string, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := create()
			if err != nil {
				t.Errorf("create: %v", err)
			}
			got[i] = id
		}()
	}
	wg.Wait()
	for _, id := range got {
		if id != got[0] || id == "" {
			t.Fatalf("ids differ: %v", got)
		}
	}
	if r.Len() != 1 {
		t.Fatalf("records=%d, want 1", r.Len())
	}
}

func TestRepo_NoOpUpdateWritesNothing(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := mustOpen(t, n.JS, nil)
	rev, err := r.Create(ctx, "p1", &facts{HouseholdSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, rev2, err := r.Update(ctx, "p1", func(f *facts, _ uint64) (store.Change, error) {
		f.HouseholdSize = 2
		return nil, nil
	})
	if err != nil || rev2 != rev {
		t.Fatalf("no-op update rev=%d err=%v, want %d", rev2, err, rev)
	}
}

// TestRepo_OutlivesOpenContext opens with a context that ends right away:
// the index must still follow the bucket until Close.
func TestRepo_OutlivesOpenContext(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	openCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	a, err := store.Open(openCtx, n.JS, store.Config[*facts]{Bucket: "people", New: func() *facts { return &facts{} }})
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	_, js2 := n.Connect(t)
	b := mustOpen(t, js2, nil)
	if _, err := b.Create(ctx, "p1", &facts{}); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if a.Len() != 1 {
			return errors.New("replica a does not see b's create")
		}
		return nil
	})
}

// TestRepo_Sync makes replica a wait until it has applied what replica b
// wrote: a Find right after Sync sees it.
func TestRepo_Sync(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	_, js2 := n.Connect(t)
	a := mustOpen(t, n.JS, nil)
	b := mustOpen(t, js2, nil)
	for i := range 200 {
		if _, err := b.Create(ctx, fmt.Sprintf("p%03d", i), &facts{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := a.Len(); got != 200 {
		t.Fatalf("after Sync replica a has %d records, want 200", got)
	}
}
