package pool_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// replayPeople is how many registrations BenchmarkFeedReplay replays: enough
// that the per-event cost dominates the fixed cost of opening a side, few
// enough for `make bench`. MP_REPLAY_PEOPLE sets another count, to measure
// at a deployment's own scale.
func replayPeople(b *testing.B) int {
	n := 5000
	if v := os.Getenv("MP_REPLAY_PEOPLE"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			b.Fatalf("MP_REPLAY_PEOPLE=%q: want a positive count", v)
		}
	}
	return n
}

// BenchmarkFeedReplay measures what a restarted replica pays before it
// serves (ADR 0088: every replica replays the whole people stream at
// start): open the keyring cold (as after a restart, so each person's data
// key is read and unwrapped once), open a side and Start it over
// MP_REPLAY_PEOPLE (default 5,000) sealed registrations on a file-backed JetStream. It reports
// events/s and the seconds a million people would take at that rate, the
// figure an operator needs to decide when snapshots are due, and the heap
// a side and its keyring hold per person (for the memory limit).
func BenchmarkFeedReplay(b *testing.B) {
	ctx := testutil.Context(b)
	n := testutil.MustNATS(b)
	people := replayPeople(b)
	kek := sealtest.KEK(b)
	if err := events.EnsureStream(ctx, n.JS, events.StreamConfig{
		Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}}); err != nil {
		b.Fatal(err)
	}
	writer := sealtest.Keyring(b, n.JS, kek)
	pub := events.NewPublisher(n.JS)
	envs := make([]*eventsv1.Envelope, 0, people)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range people {
		who := fmt.Sprintf("p-%06d", i)
		env, err := events.NewEnvelope(fmt.Sprintf("e-%06d", i), events.ParticipantRegistered, who, at.Add(time.Duration(i)*time.Millisecond),
			&eventsv1.ParticipantRegistered{Facts: factsOf(who, "0180", true)})
		if err != nil {
			b.Fatal(err)
		}
		if err := seal.SealEnvelope(ctx, writer, env); err != nil {
			b.Fatal(err)
		}
		envs = append(envs, env)
	}
	for chunk := range slices.Chunk(envs, 1000) { // under nats.go's async limit
		for _, err := range pub.PublishAll(ctx, chunk, nil) {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	var heldPerPerson float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		before := heapInUse()
		b.StartTimer()
		kr := sealtest.Keyring(b, n.JS, kek)
		side, err := pool.Open(ctx, n.JS, pool.Spec[*mentoringv1.PoolNewcomer]{
			Bucket: fmt.Sprintf("replay_%d", i), IDField: "participant_id", Source: pool.Participants, Keyring: kr,
			Logger: slog.New(slog.DiscardHandler),
			New:    func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := side.Start(ctx, func(ctx context.Context, env *eventsv1.Envelope) error {
			return side.ApplyParticipant(ctx, env, build)
		}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		heldPerPerson = float64(heapInUse()-before) / float64(people)
		if got := side.Repo.Len(); got != people {
			b.Fatalf("the side holds %d people after Start, want %d", got, people)
		}
		side.Close()
		kr.Close()
		b.StartTimer()
	}
	perSec := float64(b.N*people) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "events/s")
	b.ReportMetric(1e6/perSec, "s/million")
	b.ReportMetric(heldPerPerson, "heldB/person")
}

// heapInUse is the live heap after a collection: what a side and its
// keyring keep, not what the replay allocated on the way.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
