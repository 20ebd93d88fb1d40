package pool_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/pool"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// replayPeople is how many registrations BenchmarkFeedReplay replays: enough
// that the per-event cost dominates the fixed cost of opening a side.
const replayPeople = 5000

// BenchmarkFeedReplay measures what a restarted replica pays before it
// serves (ADR 0088: every replica replays the whole people stream at
// start): open the keyring cold (as after a restart, so each person's data
// key is read and unwrapped once), open a side and Start it over
// replayPeople sealed registrations on a file-backed JetStream. It reports
// events/s and the seconds a million people would take at that rate, the
// figure an operator needs to decide when snapshots are due.
func BenchmarkFeedReplay(b *testing.B) {
	ctx := testutil.Context(b)
	n := testutil.MustNATS(b)
	kek := benchKEK(b)
	if err := events.EnsureStream(ctx, n.JS, events.StreamConfig{
		Name: events.StreamParticipants, Subjects: []string{events.ParticipantsSubjects}}); err != nil {
		b.Fatal(err)
	}
	writer := benchKeyring(b, n.JS, kek)
	b.Cleanup(writer.Close)
	pub := events.NewPublisher(n.JS)
	envs := make([]*eventsv1.Envelope, 0, replayPeople)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range replayPeople {
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
	for _, err := range pub.PublishAll(ctx, envs, nil) {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		kr := benchKeyring(b, n.JS, kek)
		side, err := pool.Open(ctx, n.JS, pool.Spec[*mentoringv1.PoolNewcomer]{
			Bucket: fmt.Sprintf("replay_%d", i), IDField: "participant_id", Source: pool.Participants, Keyring: kr,
			New: func() *mentoringv1.PoolNewcomer { return &mentoringv1.PoolNewcomer{} },
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
		if got := side.Repo.Len(); got != replayPeople {
			b.Fatalf("the side holds %d people after Start, want %d", got, replayPeople)
		}
		side.Close()
		kr.Close()
		b.StartTimer()
	}
	perSec := float64(b.N*replayPeople) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "events/s")
	b.ReportMetric(1e6/perSec, "s/million")
}

func benchKEK(b *testing.B) seal.KEK {
	b.Helper()
	s, err := seal.GenerateKEK()
	if err != nil {
		b.Fatal(err)
	}
	kek, err := seal.ParseKEK(s)
	if err != nil {
		b.Fatal(err)
	}
	return kek
}

func benchKeyring(b *testing.B, js jetstream.JetStream, kek seal.KEK) *seal.Keyring {
	b.Helper()
	k, err := seal.Open(testutil.Context(b), js, seal.Config{KEKs: []seal.KEK{kek}})
	if err != nil {
		b.Fatal(err)
	}
	return k
}
