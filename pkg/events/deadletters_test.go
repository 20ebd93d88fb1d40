package events_test

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
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// projection is a consumer's effect: how often each event id was applied.
// Its fault, while set, fails every call, as a store that is down would.
type projection struct {
	mu      sync.Mutex
	applied map[string]int
	calls   atomic.Int32
	fault   atomic.Bool
}

func (p *projection) handle(_ context.Context, env *eventsv1.Envelope) error {
	p.calls.Add(1)
	if p.fault.Load() {
		return errors.New("store down")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.applied[env.GetId()]++
	return nil
}

func (p *projection) times(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied[id]
}

// mustProjection runs an idempotent consumer, as services run theirs
// (RunDurable wraps it the same way), over a projection.
func mustProjection(t *testing.T, ctx context.Context, js jetstream.JetStream, durable string) *projection {
	t.Helper()
	p := &projection{applied: map[string]int{}}
	h, err := events.Idempotent(ctx, js, "processed-"+durable, 0, 1, p.handle)
	if err != nil {
		t.Fatal(err)
	}
	c, err := events.NewConsumer(ctx, js, events.ConsumerConfig{
		Stream: events.StreamParticipants, Durable: durable, MaxDeliver: 3, Backoff: fastBackoff,
	}, h)
	if err != nil {
		t.Fatal(err)
	}
	run(t, c)
	return p
}

// waitDeadLetters waits until the filter selects want dead letters.
func waitDeadLetters(t *testing.T, ctx context.Context, d *events.DeadLetters, f events.DeadLetterFilter, want int) events.DeadLetterPage {
	t.Helper()
	var page events.DeadLetterPage
	testutil.CheckFor(t, 15*time.Second, 10*time.Millisecond, func() error {
		var err error
		if page, err = d.List(ctx, f, 0, ""); err != nil {
			return err
		}
		if page.Total != want || len(page.Items) != want {
			return fmt.Errorf("%d dead letters (%d on the page), want %d", page.Total, len(page.Items), want)
		}
		return nil
	})
	return page
}

// TestReplayReachesOnlyTheFailedConsumerOnce: an event one consumer fails
// on three times is dead-lettered, listed and inspected (ids, no
// payload); once the fault is fixed, a replay (clicked twice, at once) is
// handled once by that consumer and by no other, and leaves no dead letter
// and no replay behind.
func TestReplayReachesOnlyTheFailedConsumerOnce(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	failing := mustProjection(t, ctx, n.JS, "failing")
	other := mustProjection(t, ctx, n.JS, "other")
	failing.fault.Store(true)

	env := registered(t, ids.UUIDv7{}.New(), ids.UUIDv7{}.New())
	if err := events.NewPublisher(n.JS).Publish(ctx, env); err != nil {
		t.Fatal(err)
	}
	d := events.NewDeadLetters(n.JS)
	page := waitDeadLetters(t, ctx, d, events.DeadLetterFilter{Consumer: "failing"}, 1)
	dl := page.Items[0]
	if dl.Consumer != "failing" || dl.Stream != events.StreamParticipants || dl.StreamSeq != 1 || dl.Delivered != 3 ||
		dl.ErrorKind() != "max_deliver" || dl.ErrorCause() != "*errors.errorString" || dl.Replays != 0 {
		t.Errorf("listed %+v", dl)
	}
	if dl.Published.IsZero() || dl.FirstFailed.IsZero() || dl.LastFailed.Before(dl.FirstFailed) || dl.FirstFailed.Before(dl.Published) {
		t.Errorf("times: published %v, first failed %v, last failed %v", dl.Published, dl.FirstFailed, dl.LastFailed)
	}
	got, err := d.Get(ctx, dl.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if got.EventID != env.GetId() || got.EventType != events.ParticipantRegistered || got.SubjectID != env.GetSubjectId() {
		t.Errorf("inspected %+v, want the envelope's ids", got)
	}
	if p, err := d.List(ctx, events.DeadLetterFilter{Consumer: "other"}, 0, ""); err != nil || p.Total != 0 {
		t.Errorf("other's dead letters: %+v, %v", p, err)
	}

	failing.fault.Store(false)
	calls := failing.calls.Load()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { errs[i] = d.Replay(ctx, dl.Seq) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && apperr.ErrorCode(err) != apperr.NotFound {
			t.Errorf("replay: %v", err)
		}
	}
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if got := failing.times(env.GetId()); got != 1 {
			return fmt.Errorf("the failed consumer applied the event %d times", got)
		}
		return nil
	})
	replaysSettled(t, ctx, n.JS)
	waitDeadLetters(t, ctx, d, events.DeadLetterFilter{}, 0)
	if got := failing.calls.Load() - calls; got != 1 {
		t.Errorf("the replay reached the handler %d times, want 1", got)
	}
	if got := other.times(env.GetId()); got != 1 || other.calls.Load() != 1 {
		t.Errorf("the other consumer applied it %d times in %d calls, want once", got, other.calls.Load())
	}
	if err := d.Replay(ctx, dl.Seq); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("replay of a replayed dead letter: %v, want not_found", err)
	}

	// Replayed into a consumer that already applied the event (a replay
	// of an old copy): Idempotent makes it no second effect.
	seq := deadLetterFor(t, ctx, n.JS, env, "failing")
	if err := d.Replay(ctx, seq); err != nil {
		t.Fatal(err)
	}
	replaysSettled(t, ctx, n.JS)
	waitDeadLetters(t, ctx, d, events.DeadLetterFilter{}, 0)
	if got := failing.times(env.GetId()); got != 1 {
		t.Errorf("a second replay of a handled event applied it %d times in all, want 1", got)
	}
}

// replaysSettled waits until every replay was handled (acked or
// terminated, and so removed from the work queue).
func replaysSettled(t *testing.T, ctx context.Context, js jetstream.JetStream) {
	t.Helper()
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		s, err := js.Stream(ctx, events.StreamReplay)
		if err != nil {
			return err
		}
		info, err := s.Info(ctx)
		if err != nil {
			return err
		}
		if info.State.Msgs != 0 {
			return fmt.Errorf("%d replays left", info.State.Msgs)
		}
		return nil
	})
}

// deadLetterFor writes a dead letter of env for durable by hand, as an
// older copy would be, and returns its id.
func deadLetterFor(t *testing.T, ctx context.Context, js jetstream.JetStream, env *eventsv1.Envelope, durable string) uint64 {
	t.Helper()
	data, err := proto.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	h := nats.Header{}
	h.Set(events.HeaderOriginalSubject, events.ParticipantRegistered+"."+env.GetSubjectId())
	h.Set(events.HeaderOriginalStream, events.StreamParticipants)
	h.Set(events.HeaderOriginalSequence, "1")
	h.Set(events.HeaderConsumer, durable)
	h.Set(events.HeaderDelivered, "5")
	h.Set(events.HeaderError, "max_deliver: unavailable")
	ack, err := js.PublishMsg(ctx, &nats.Msg{Subject: events.DeadLetterPrefix + durable, Data: data, Header: h})
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

// TestReplayThatFailsAgainIsDeadLetteredAgain: a replay into a consumer
// still failing comes back as a new dead letter that names the original
// stream and sequence, keeps the first failure time and counts the replay.
func TestReplayThatFailsAgainIsDeadLetteredAgain(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	p := mustProjection(t, ctx, n.JS, "still-failing")
	p.fault.Store(true)
	env := registered(t, ids.UUIDv7{}.New(), ids.UUIDv7{}.New())
	if err := events.NewPublisher(n.JS).Publish(ctx, env); err != nil {
		t.Fatal(err)
	}
	d := events.NewDeadLetters(n.JS)
	first := waitDeadLetters(t, ctx, d, events.DeadLetterFilter{}, 1).Items[0]
	if err := d.Replay(ctx, first.Seq); err != nil {
		t.Fatal(err)
	}
	var again events.DeadLetter
	testutil.CheckFor(t, 15*time.Second, 10*time.Millisecond, func() error {
		page, err := d.List(ctx, events.DeadLetterFilter{}, 0, "")
		if err != nil {
			return err
		}
		if len(page.Items) != 1 || page.Items[0].Seq == first.Seq {
			return fmt.Errorf("dead letters %+v", page.Items)
		}
		again = page.Items[0]
		return nil
	})
	if again.Stream != events.StreamParticipants || again.StreamSeq != first.StreamSeq || again.Subject != first.Subject ||
		again.Replays != 1 || again.Delivered != 3 || !again.FirstFailed.Equal(first.FirstFailed) ||
		!again.Published.Equal(first.Published) || !again.LastFailed.After(first.LastFailed) {
		t.Errorf("after a failed replay %+v, first %+v", again, first)
	}
	if got := p.calls.Load(); got != 6 {
		t.Errorf("handler called %d times, want 3 + 3", got)
	}
}

// waitingGauge collects events.deadletters.waiting.
func waitingGauge(t *testing.T, r *sdkmetric.ManualReader) int64 {
	t.Helper()
	v := testutil.Int64Gauge(t, r, "events.deadletters.waiting")
	if v < 0 {
		t.Fatal("no events.deadletters.waiting")
	}
	return v
}

// TestDeadLettersPagedFilteredAndDiscarded: pages with a total, filters by
// consumer and by stream, discards (twice: the second is NotFound), and
// answers bad input with field violations and a consumer that takes no
// replays with FailedPrecondition.
func TestDeadLettersPagedFilteredAndDiscarded(t *testing.T) {
	t.Parallel()
	n, ctx := mustStream(t)
	if err := events.EnsureStream(ctx, n.JS, events.StreamConfig{Name: events.StreamVolunteers, Subjects: []string{events.VolunteersSubjects}}); err != nil {
		t.Fatal(err)
	}
	d := events.NewDeadLetters(n.JS)
	if page, err := d.List(ctx, events.DeadLetterFilter{}, 0, ""); err != nil || page.Total != 0 {
		t.Fatalf("before any dead letter: %+v, %v", page, err)
	}
	perm := func(context.Context, *eventsv1.Envelope) error {
		return events.Permanent(apperr.Errorf(apperr.NotFound, "gone"))
	}
	for _, c := range []struct{ stream, durable string }{{events.StreamParticipants, "a"}, {events.StreamVolunteers, "b"}} {
		cons, err := events.NewConsumer(ctx, n.JS, events.ConsumerConfig{Stream: c.stream, Durable: c.durable}, perm)
		if err != nil {
			t.Fatal(err)
		}
		run(t, cons)
	}
	pub := events.NewPublisher(n.JS)
	for range 5 {
		if err := pub.Publish(ctx, registered(t, ids.UUIDv7{}.New(), ids.UUIDv7{}.New())); err != nil {
			t.Fatal(err)
		}
	}
	vol, err := events.NewEnvelope(ids.UUIDv7{}.New(), events.VolunteerRegistered, ids.UUIDv7{}.New(), time.Now(), &eventsv1.VolunteerRegistered{})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(ctx, vol); err != nil {
		t.Fatal(err)
	}
	waitDeadLetters(t, ctx, d, events.DeadLetterFilter{}, 6)
	reader := sdkmetric.NewManualReader()
	reg, err := d.RegisterGauge(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = reg.Unregister() }()
	if got := waitingGauge(t, reader); got != 6 {
		t.Errorf("events.deadletters.waiting = %d, want 6", got)
	}

	var seen []uint64
	token := ""
	for i, want := range []int{2, 2, 1} {
		page, err := d.List(ctx, events.DeadLetterFilter{Consumer: "a"}, 2, token)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != want || page.Total != 5 || (page.Next == "") != (i == 2) {
			t.Fatalf("page %d: %d items of %d, next %q", i, len(page.Items), page.Total, page.Next)
		}
		for _, dl := range page.Items {
			if dl.Consumer != "a" || dl.ErrorClass != "permanent: not_found" || dl.Delivered != 1 {
				t.Errorf("page %d: %+v", i, dl)
			}
			seen = append(seen, dl.Seq)
		}
		token = page.Next
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Errorf("pages out of order: %v", seen)
		}
	}
	page, err := d.List(ctx, events.DeadLetterFilter{Stream: events.StreamVolunteers}, 0, "")
	if err != nil || page.Total != 1 || page.Items[0].Consumer != "b" {
		t.Fatalf("by stream: %+v, %v", page, err)
	}

	if err := d.Discard(ctx, seen[0]); err != nil {
		t.Fatal(err)
	}
	if err := d.Discard(ctx, seen[0]); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("second discard: %v, want not_found", err)
	}
	if _, err := d.Get(ctx, seen[0]); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("get of a discarded one: %v, want not_found", err)
	}
	if page, err := d.List(ctx, events.DeadLetterFilter{Consumer: "a"}, 0, ""); err != nil || page.Total != 4 {
		t.Errorf("after a discard: %+v, %v", page, err)
	}
	if _, err := d.Get(ctx, 9999); apperr.ErrorCode(err) != apperr.NotFound {
		t.Errorf("get of an unknown id: %v, want not_found", err)
	}

	_, err = d.List(ctx, events.DeadLetterFilter{}, events.MaxDeadLetterPage+1, "x")
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid || len(ae.Violations) != 2 {
		t.Errorf("bad page size and token: %v, want two field violations", err)
	}

	if got := waitingGauge(t, reader); got != 5 {
		t.Errorf("events.deadletters.waiting after a discard = %d, want 5", got)
	}
	// The listings and the gauge leave no consumer behind (ADR 0138).
	testutil.CheckNoConsumers(t, n.JS, events.StreamDeadLetter)

	// A dead letter of a consumer that never ran with replays.
	ghost := deadLetterFor(t, ctx, n.JS, registered(t, ids.UUIDv7{}.New(), ids.UUIDv7{}.New()), "ghost")
	if err := d.Replay(ctx, ghost); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Errorf("replay to a consumer without replays: %v, want failed_precondition", err)
	}
	if _, err := d.Get(ctx, ghost); err != nil {
		t.Errorf("a refused replay removed the dead letter: %v", err)
	}
}
