package pool_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/natsembed"
	"github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// fed is a newcomers side fed from PARTICIPANTS, counting how often each
// event was applied and recording who left.
type fed struct {
	side *pool.Side[*mentoringv1.PoolNewcomer]

	mu      sync.Mutex
	applied map[string]int // event id -> times the feed applied it
	leaves  []string
	fail    map[string]int // person id -> Leave calls left to fail
}

func newFed(t *testing.T, js jetstream.JetStream) *fed {
	t.Helper()
	f := &fed{applied: map[string]int{}, fail: map[string]int{}}
	s, err := pool.Open(testutil.Context(t), js, pool.Spec[*mentoringv1.PoolNewcomer]{
		Bucket: "kit_feed", IDField: "participant_id", Source: pool.Participants,
		New: func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
		Indexes: map[string]func(*mentoringv1.PoolNewcomer) []string{
			"muni": func(n *mentoringv1.PoolNewcomer) []string { return []string{n.GetMunicipalityCode()} },
		},
		Leave: func(_ context.Context, id string, erased bool) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.leaves = append(f.leaves, fmt.Sprintf("%s erased=%v", id, erased))
			if f.fail[id] > 0 {
				f.fail[id]--
				return errors.New("leave failed (test)")
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.side = s
	return f
}

// start feeds the side; it returns once the stream's events are applied.
func (f *fed) start(t *testing.T) {
	t.Helper()
	err := f.side.Start(testutil.Context(t), func(ctx context.Context, env *eventsv1.Envelope) error {
		f.mu.Lock()
		f.applied[env.GetId()]++
		f.mu.Unlock()
		return f.side.ApplyParticipant(ctx, env, build)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.side.Close)
}

func (f *fed) leaveLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.leaves)
}

// snapshot is every record the side holds, tombstones too, as text.
func (f *fed) snapshot(ids ...string) string {
	var b strings.Builder
	for _, id := range ids {
		v, ok := f.side.Repo.Lookup(id)
		fmt.Fprintf(&b, "%s %v %v\n", id, ok, v)
	}
	return b.String()
}

func ensureParticipants(t *testing.T, js jetstream.JetStream) *events.Publisher {
	t.Helper()
	if err := events.EnsureStream(testutil.Context(t), js, events.StreamConfig{
		Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}}); err != nil {
		t.Fatal(err)
	}
	return events.NewPublisher(js)
}

// person's events: typ is the event type, at milliseconds after a fixed time.
func personEvent(t *testing.T, id, typ, who string, ms int, payload proto.Message) *eventsv1.Envelope {
	t.Helper()
	env, err := events.NewEnvelope(id, typ, who, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(ms)*time.Millisecond), payload)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func factsOf(who, muni string, consent bool) *eventsv1.ParticipantFacts {
	f := facts(muni, consent)
	f.ParticipantId = who
	return f
}

// history is a mix of what the stream holds: registrations, an update, an
// older registration after a newer update (order-safety), a withdrawal
// and an erasure.
func history(t *testing.T) []*eventsv1.Envelope {
	return []*eventsv1.Envelope{
		personEvent(t, "a1", events.ParticipantRegistered, "p-a", 1, &eventsv1.ParticipantRegistered{Facts: factsOf("p-a", "0180", true)}),
		personEvent(t, "b1", events.ParticipantRegistered, "p-b", 2, &eventsv1.ParticipantRegistered{Facts: factsOf("p-b", "0180", true)}),
		personEvent(t, "c2", events.ParticipantUpdated, "p-c", 20, &eventsv1.ParticipantUpdated{Facts: factsOf("p-c", "0380", true)}),
		personEvent(t, "c1", events.ParticipantRegistered, "p-c", 3, &eventsv1.ParticipantRegistered{Facts: factsOf("p-c", "0180", true)}),
		personEvent(t, "a2", events.ParticipantConsentChanged, "p-a", 30, &eventsv1.ParticipantConsentChanged{ParticipantId: "p-a", Facts: factsOf("p-a", "0180", false)}),
		personEvent(t, "d1", events.ParticipantRegistered, "p-d", 4, &eventsv1.ParticipantRegistered{Facts: factsOf("p-d", "0880", false)}),
		personEvent(t, "b2", events.ParticipantErased, "p-b", 40, &eventsv1.ParticipantErased{ParticipantId: "p-b"}),
	}
}

func publish(t *testing.T, p *events.Publisher, envs ...*eventsv1.Envelope) {
	t.Helper()
	for _, env := range envs {
		if err := p.Publish(testutil.Context(t), env); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFeedReplayBuildsTheSamePool: a side fed live, event by event, and a
// side opened afterwards that replays the stream hold the same records;
// Start returns only once the replay is applied; an older event after a
// newer one changes nothing.
func TestFeedReplayBuildsTheSamePool(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	pub := ensureParticipants(t, n.JS)
	live := newFed(t, n.JS)
	live.start(t)
	for _, env := range history(t) {
		publish(t, pub, env)
		if err := live.side.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	replayed := newFed(t, n.JS)
	replayed.start(t) // no Sync: Start has applied the stream
	ids := []string{"p-a", "p-b", "p-c", "p-d", "p-e"}
	if got, want := replayed.snapshot(ids...), live.snapshot(ids...); got != want {
		t.Errorf("replayed pool:\n%s\nlive pool:\n%s", got, want)
	}
	c, ok := replayed.side.Live("p-c")
	if !ok || c.GetMunicipalityCode() != "0380" || c.GetEventId() != "c2" {
		t.Errorf("p-c = %v, %v; want the newer update (0380, c2), not the older registration", c, ok)
	}
	for _, id := range []string{"p-a", "p-b", "p-d"} {
		if _, ok := replayed.side.Live(id); ok {
			t.Errorf("%s is live; want a tombstone", id)
		}
	}
	if gone, erased, err := replayed.side.Gone(ctx, "p-b"); err != nil || !gone || !erased {
		t.Errorf("Gone(p-b) = %v, %v, %v; want gone and erased", gone, erased, err)
	}
	pg, err := replayed.side.Repo.Find(store.Query[*mentoringv1.PoolNewcomer]{Index: "muni", Values: []string{"0180", "0380", "0880"}})
	if err != nil || len(pg.Items) != 1 || pg.Items[0].GetParticipantId() != "p-c" {
		t.Errorf("index = %v, %v; want p-c only (no tombstones)", pg.Items, err)
	}
	if len(live.leaveLog())+len(replayed.leaveLog()) != 0 {
		t.Errorf("the feed told Leave: %v %v; leaving is the durable consumer's", live.leaveLog(), replayed.leaveLog())
	}
	if _, err := n.JS.KeyValue(ctx, "kit_feed"); !errors.Is(err, jetstream.ErrBucketNotFound) {
		t.Errorf("a bucket kit_feed exists (%v): the feed must write nothing", err)
	}
}

// TestOpenDeletesTheOldBucket: the bucket a side was kept in before is
// deleted at Open (it holds sealed personal data nothing updates now).
func TestOpenDeletesTheOldBucket(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	for _, b := range []string{"kit_feed", "kit_feed_requests"} {
		kv, err := n.JS.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: b})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := kv.Put(ctx, "p-a", []byte("old")); err != nil {
			t.Fatal(err)
		}
	}
	newFed(t, n.JS)
	for _, b := range []string{"kit_feed", "kit_feed_requests"} {
		if _, err := n.JS.KeyValue(ctx, b); !errors.Is(err, jetstream.ErrBucketNotFound) {
			t.Errorf("KeyValue(%s) = %v; want the old bucket deleted", b, err)
		}
	}
}

// TestLeaveReachesTheHookWhenAPersonLeaves: the durable consumer on the
// leave types (never a registration) tells Leave exactly for the events
// that made someone leave, once the feed has applied them, and again
// when the same event is redelivered (Leave failed the first time).
func TestLeaveReachesTheHookWhenAPersonLeaves(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	pub := ensureParticipants(t, n.JS)
	f := newFed(t, n.JS)
	f.start(t)
	f.fail["p-a"] = 1 // the withdrawal's first delivery fails: redelivered
	var mu sync.Mutex
	var seen []string
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- events.RunDurable(runCtx, n.JS, events.Durable{Stamped: true,
			Consumer: events.ConsumerConfig{Stream: events.StreamParticipants, Durable: "kit-leave",
				FilterSubjects: pool.Participants.LeaveTypes(), Concurrency: 4,
				Backoff: []time.Duration{10 * time.Millisecond}},
			Handler: func(ctx context.Context, env *eventsv1.Envelope) error {
				mu.Lock()
				seen = append(seen, env.GetId())
				mu.Unlock()
				return f.side.HandleLeave(ctx, env)
			}})
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	publish(t, pub, history(t)...)
	// p-c's update keeps them in: not a leave. p-a withdrew: twice (one
	// failure). p-b was erased.
	want := "p-a erased=false; p-a erased=false; p-b erased=true"
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		got := f.leaveLog()
		slices.Sort(got)
		if s := strings.Join(got, "; "); s != want {
			return fmt.Errorf("leaves = %q, want %q", s, want)
		}
		return nil
	})
	mu.Lock()
	got := slices.Clone(seen)
	mu.Unlock()
	slices.Sort(got)
	if s := strings.Join(got, " "); s != "a2 a2 b2 c2" {
		t.Errorf("delivered to the leave consumer: %s; want a2 a2 b2 c2 (no registrations)", s)
	}
}

// TestLeaveConsumerFilterChangesInPlace: a durable that took every
// person event keeps its name and position when its filter becomes the
// leave types (CreateOrUpdateConsumer), and then gets no registrations.
func TestLeaveConsumerFilterChangesInPlace(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	pub := ensureParticipants(t, n.JS)
	old, err := n.JS.CreateOrUpdateConsumer(ctx, events.StreamParticipants, jetstream.ConsumerConfig{
		Durable: "kit-old", FilterSubject: events.ParticipantEvents, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	publish(t, pub, history(t)[:2]...)
	batch, err := old.Fetch(2, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}
	filters := make([]string, 0, 4)
	for _, s := range pool.Participants.LeaveTypes() {
		filters = append(filters, events.FilterFor(s))
	}
	cons, err := n.JS.CreateOrUpdateConsumer(ctx, events.StreamParticipants, jetstream.ConsumerConfig{
		Durable: "kit-old", FilterSubjects: filters, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatalf("changing the filter in place: %v", err)
	}
	publish(t, pub, history(t)[2:]...)
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumPending != 3 { // c2, a2, b2; not c1 or d1 (registrations)
		t.Errorf("pending after the change = %d, want 3", info.NumPending)
	}
}

// TestFeedResumesAfterTheServerRestarts: the NATS server stops and starts
// again on the same store; the feed carries on after the last event it
// applied, missing none and applying none twice.
func TestFeedResumesAfterTheServerRestarts(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	dir := t.TempDir()
	srv, err := natsembed.Start(natsembed.Options{StoreDir: dir, Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	port := srv.Addr().(*net.TCPAddr).Port
	nc, err := natsembed.Connect(srv, t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	pub := ensureParticipants(t, js)
	reg := func(i int) *eventsv1.Envelope {
		who := fmt.Sprintf("p-%02d", i)
		return personEvent(t, fmt.Sprintf("r%02d", i), events.ParticipantRegistered, who, i,
			&eventsv1.ParticipantRegistered{Facts: factsOf(who, "0180", true)})
	}
	for i := range 5 {
		publish(t, pub, reg(i))
	}
	f := newFed(t, js)
	f.start(t)
	if got := f.side.Repo.Len(); got != 5 {
		t.Fatalf("after start: %d records, want 5", got)
	}
	srv.Shutdown()
	srv.WaitForShutdown()
	srv, err = natsembed.Start(natsembed.Options{StoreDir: dir, Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	for i := 5; i < 10; i++ {
		testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
			return pub.Publish(ctx, reg(i)) // fails until the client has reconnected
		})
	}
	testutil.CheckFor(t, 20*time.Second, 50*time.Millisecond, func() error {
		if got := f.side.Repo.Len(); got != 10 {
			return fmt.Errorf("%d records, want 10", got)
		}
		return nil
	})
	if err := f.side.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range 10 {
		if got := f.applied[fmt.Sprintf("r%02d", i)]; got != 1 {
			t.Errorf("event r%02d applied %d times, want once", i, got)
		}
	}
}

// TestLeaveWithoutSequenceSyncs: an operator's replay of a dead letter
// has no position in the source stream; HandleLeave then waits for the
// feed to reach the stream's newest event (Sync) before it looks.
func TestLeaveWithoutSequenceSyncs(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	pub := ensureParticipants(t, n.JS)
	f := newFed(t, n.JS)
	f.start(t)
	for k := range 50 { // a backlog the feed works through
		who := fmt.Sprintf("p-%02d", k)
		publish(t, pub, personEvent(t, "r-"+who, events.ParticipantRegistered, who, k, &eventsv1.ParticipantRegistered{Facts: factsOf(who, "0180", true)}))
	}
	withdrawn := personEvent(t, "w-p-49", events.ParticipantConsentChanged, "p-49", 100,
		&eventsv1.ParticipantConsentChanged{ParticipantId: "p-49", Facts: factsOf("p-49", "0180", false)})
	publish(t, pub, withdrawn)
	if err := f.side.HandleLeave(ctx, withdrawn); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.leaveLog(), "; "); got != "p-49 erased=false" {
		t.Errorf("leaves = %q, want p-49 told at once", got)
	}
}

// TestStartLogsTheReplay: Start says how many events the replay applied
// and how long it took (what a restart waits for, ADR 0123), with no
// person's id in the line.
func TestStartLogsTheReplay(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	publish(t, ensureParticipants(t, n.JS), history(t)...)
	var buf testutil.LogBuffer
	s, err := pool.Open(testutil.Context(t), n.JS, pool.Spec[*mentoringv1.PoolNewcomer]{
		Bucket: "kit_log", IDField: "participant_id", Source: pool.Participants,
		Logger: slog.New(slog.NewTextHandler(&buf, nil)),
		New:    func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(testutil.Context(t), func(ctx context.Context, env *eventsv1.Envelope) error {
		return s.ApplyParticipant(ctx, env, build)
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	got := buf.String()
	if !strings.Contains(got, "pool: replayed the source") || !strings.Contains(got, "events="+fmt.Sprint(len(history(t)))) {
		t.Errorf("start log = %q; want the replay with events=%d", got, len(history(t)))
	}
	if strings.Contains(got, "p-a") {
		t.Errorf("start log names a person: %q", got)
	}
}

// TestFeedDeletesItsConsumerWhenClosed: a closed side leaves no consumer
// on the source stream, and the one it consumes with is dropped by the
// server a minute after nobody pulls from it. Before ADR 0138 a stopped
// replica's feed consumers stayed listed, their pending messages growing,
// for five minutes, and across a restart of the NATS nodes.
func TestFeedDeletesItsConsumerWhenClosed(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	publish(t, ensureParticipants(t, n.JS), history(t)...)
	f := newFed(t, n.JS)
	f.start(t)
	st, err := n.JS.Stream(ctx, events.StreamParticipants)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for c := range st.ListConsumers(ctx).Info() {
		names = append(names, c.Name)
		if got, want := c.Config.InactiveThreshold, time.Minute; got != want {
			t.Errorf("consumer %s: inactive threshold %s, want %s", c.Name, got, want)
		}
	}
	if len(names) != 1 {
		t.Fatalf("consumers while feeding: %v, want the feed's one", names)
	}
	f.side.Close()
	testutil.CheckNoConsumers(t, n.JS, events.StreamParticipants)
}
