package events_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func TestNewer(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		at     time.Time
		id     string
		lastAt time.Time
		lastID string
		want   bool
	}{
		{"nothing applied yet", t0, "a", time.Time{}, "", true},
		{"later", t0.Add(time.Millisecond), "a", t0, "b", true},
		{"earlier", t0, "z", t0.Add(time.Millisecond), "a", false},
		{"same time, higher id", t0, "b", t0, "a", true},
		{"same time, lower id", t0, "a", t0, "b", false},
		{"the same event again", t0, "a", t0, "a", false},
	} {
		if got := events.Newer(tc.at, tc.id, tc.lastAt, tc.lastID); got != tc.want {
			t.Errorf("%s: Newer = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// testPool is a pool of PoolNewcomer records fed by participant events:
// a consenting registration or update enters, anything else leaves.
type testPool struct {
	repo   *store.Repo[*mentoringv1.PoolNewcomer]
	pool   events.Pool[*mentoringv1.PoolNewcomer]
	mu     sync.Mutex
	leaves []string
}

func newTestPool(t *testing.T) *testPool {
	t.Helper()
	n := testutil.MustNATS(t)
	repo, err := store.Open(testutil.Context(t), n.JS, store.Config[*mentoringv1.PoolNewcomer]{
		Bucket: "pool", New: func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(repo.Close)
	p := &testPool{repo: repo}
	p.pool = events.Pool[*mentoringv1.PoolNewcomer]{
		Records: repo,
		Stamp: func(n *mentoringv1.PoolNewcomer) (time.Time, string) {
			if n.GetEventTime() == nil {
				return time.Time{}, ""
			}
			return n.GetEventTime().AsTime(), n.GetEventId()
		},
		Leave: func(_ context.Context, id string, erased bool) error {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.leaves = append(p.leaves, fmt.Sprintf("%s erased=%v", id, erased))
			return nil
		},
	}
	return p
}

// handle is the programme's part: its filter and record shapes.
func (p *testPool) handle(ctx context.Context, env *eventsv1.Envelope) error {
	msg, err := env.GetPayload().UnmarshalNew()
	if err != nil {
		return err
	}
	var next *mentoringv1.PoolNewcomer
	id, erased := env.GetSubjectId(), false
	switch m := msg.(type) {
	case *eventsv1.ParticipantRegistered:
		next = &mentoringv1.PoolNewcomer{ParticipantId: id, MunicipalityCode: m.GetFacts().GetMunicipalityCode()}
	case *eventsv1.ParticipantErased:
		erased = true
	}
	if next == nil {
		next = &mentoringv1.PoolNewcomer{ParticipantId: id, Gone: true, Erased: erased}
	}
	next.EventTime, next.EventId = env.GetOccurredAt(), env.GetId()
	return p.pool.Apply(ctx, env, events.Change[*mentoringv1.PoolNewcomer]{ID: id, Next: next, Gone: next.GetGone(), Erased: erased})
}

func poolEvent(t *testing.T, id, subject, pid string, ms int, muni string) *eventsv1.Envelope {
	t.Helper()
	when := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms) * time.Millisecond)
	var env *eventsv1.Envelope
	var err error
	switch subject {
	case events.ParticipantRegistered:
		env, err = events.NewEnvelope(id, subject, pid, when, &eventsv1.ParticipantRegistered{Facts: &eventsv1.ParticipantFacts{ParticipantId: pid, MunicipalityCode: muni}})
	case events.ParticipantDeleted:
		env, err = events.NewEnvelope(id, subject, pid, when, &eventsv1.ParticipantDeleted{ParticipantId: pid})
	default:
		env, err = events.NewEnvelope(id, subject, pid, when, &eventsv1.ParticipantErased{ParticipantId: pid})
	}
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestPoolAppliesOnlyNewerAndKeepsTombstones: a person's history applied
// in every order, each event up to three times, ends in the state of the
// newest event; a replayed registration after an erasure does not bring the
// person back; the leaver hears of each leaving, and of every erasure.
func TestPoolAppliesOnlyNewerAndKeepsTombstones(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	history := []*eventsv1.Envelope{
		poolEvent(t, "e1", events.ParticipantRegistered, "p-1", 1, "0180"),
		poolEvent(t, "e2", events.ParticipantRegistered, "p-1", 2, "0380"),
		poolEvent(t, "e3", events.ParticipantErased, "p-1", 3, ""),
		poolEvent(t, "f1", events.ParticipantRegistered, "p-2", 1, "0180"),
		poolEvent(t, "f3", events.ParticipantRegistered, "p-2", 3, "1480"),
		poolEvent(t, "f2", events.ParticipantRegistered, "p-2", 2, "0380"), // same time as g2, lower id
		poolEvent(t, "g2", events.ParticipantDeleted, "p-3", 2, ""),
		poolEvent(t, "g1", events.ParticipantRegistered, "p-3", 1, "0180"),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 4 {
		p := newTestPool(t)
		order := slices.Clone(history)
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, env := range order {
			for range 1 + r.IntN(3) {
				if err := p.handle(ctx, env); err != nil {
					t.Fatal(err)
				}
			}
		}
		// A late replay of the first registration after everything.
		if err := p.handle(ctx, history[0]); err != nil {
			t.Fatal(err)
		}
		for _, want := range []struct {
			id, muni string
			gone     bool
			erased   bool
			event    string
		}{{"p-1", "", true, true, "e3"}, {"p-2", "1480", false, false, "f3"}, {"p-3", "", true, false, "g2"}} {
			got, _, err := p.repo.Get(ctx, want.id)
			if err != nil {
				t.Fatal(err)
			}
			if got.GetMunicipalityCode() != want.muni || got.GetGone() != want.gone || got.GetErased() != want.erased || got.GetEventId() != want.event {
				t.Errorf("round %d: %s = %v; want muni %q gone %v erased %v from %s", round, want.id, got, want.muni, want.gone, want.erased, want.event)
			}
		}
		p.mu.Lock()
		if !slices.Contains(p.leaves, "p-1 erased=true") || !slices.Contains(p.leaves, "p-3 erased=false") ||
			slices.ContainsFunc(p.leaves, func(s string) bool { return s[:3] == "p-2" }) {
			t.Errorf("round %d: leaver heard %v", round, p.leaves)
		}
		p.mu.Unlock()
	}
}

// TestRunDurableWaitsForTheStream: a durable consumer started before its
// producer's stream exists sets itself up once it does, and handles each
// event once.
func TestRunDurableWaitsForTheStream(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx, cancel := context.WithCancel(testutil.Context(t))
	var mu sync.Mutex
	var got []string
	done := make(chan error, 1)
	go func() {
		done <- events.RunDurable(ctx, n.JS, events.Durable{
			Consumer: events.ConsumerConfig{Stream: events.StreamParticipants, Durable: "late", Backoff: fastBackoff},
			Handler: func(_ context.Context, env *eventsv1.Envelope) error {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, env.GetId())
				return nil
			},
			Retry: 20 * time.Millisecond,
		})
	}()
	if err := events.EnsureStream(ctx, n.JS, events.StreamConfig{Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}}); err != nil {
		t.Fatal(err)
	}
	pub := events.NewPublisher(n.JS)
	for k := range 3 {
		if err := pub.Publish(ctx, registered(t, fmt.Sprintf("ev-%d", k), "p-1")); err != nil {
			t.Fatal(err)
		}
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		mu.Lock()
		defer mu.Unlock()
		if !slices.Equal(got, []string{"ev-0", "ev-1", "ev-2"}) {
			return fmt.Errorf("handled %v", got)
		}
		return nil
	})
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunDurable: %v", err)
	}
}

// TestRunDurableStamped: a consumer whose handler is idempotent by itself
// keeps no processed-ids bucket, and handles every event.
func TestRunDurableStamped(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx, cancel := context.WithCancel(testutil.Context(t))
	if err := events.EnsureStream(ctx, n.JS, events.StreamConfig{Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}}); err != nil {
		t.Fatal(err)
	}
	var handled atomic.Int64
	done := make(chan error, 1)
	go func() {
		done <- events.RunDurable(ctx, n.JS, events.Durable{
			Consumer: events.ConsumerConfig{Stream: events.StreamParticipants, Durable: "stamped", Backoff: fastBackoff},
			Handler:  func(context.Context, *eventsv1.Envelope) error { handled.Add(1); return nil },
			Stamped:  true,
		})
	}()
	pub := events.NewPublisher(n.JS)
	for k := range 3 {
		if err := pub.Publish(ctx, registered(t, fmt.Sprintf("ev-%d", k), "p-1")); err != nil {
			t.Fatal(err)
		}
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if got := handled.Load(); got != 3 {
			return fmt.Errorf("handled %d events, want 3", got)
		}
		return nil
	})
	if _, err := n.JS.KeyValue(ctx, "processed-stamped"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Errorf("processed-ids bucket: %v, want none", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("RunDurable: %v", err)
	}
}
