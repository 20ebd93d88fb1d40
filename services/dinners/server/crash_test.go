package server_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/auth"
	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/dinners/server"
)

// TestMain lets the test binary double as the process the crash tests
// kill (servicetest.CrashMain): a dinners service on an embedded NATS in
// MP_CRASH_DIR that dies at the point MP_CRASH_AT names.
func TestMain(m *testing.M) { servicetest.CrashMain(m, crashHelper) }

// crashCity is matched by every crash run and the crash-free run.
func crashCity() city { return newCity(5, 150, 30, 2) }

// crashExtras sign up after the crash; a fresh snapshot would seat some.
func crashExtras() city {
	c := newCity(6, 20, 0, 0)
	for k, s := range c.signUps {
		s.ParticipantId = fmt.Sprintf("g-late-%02d", k)
		c.guests[k] = s.GetParticipantId()
	}
	return c
}

func crashHelper(dir, at string) error {
	if at == resizeCrash {
		return resizeHelper(dir)
	}
	pools := &servicetest.Pools{} // the child's pool, in its memory
	return servicetest.ServeProgrammeChild(dir, at, func() time.Time { return day0 }, server.Run, server.Options{JobAckWait: 2 * time.Second, Pools: pools.Add},
		func(tb testing.TB, js jetstream.JetStream, key ed25519.PrivateKey, addr string) {
			e := &env{t: tb, nats: &testutil.NATS{JS: js}, addrs: []string{addr}, key: key, signer: servicetest.NewSigner(key), pools: pools}
			e.load(context.Background(), crashCity())
		})
}

// seatingKeys renders a job's seatings as sorted
// "guest/host/date/size/score" (sign-up and offer ids differ per run).
func seatingKeys(ps []*pb.Seating) []string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s/%s/%s/%d/%d", p.GetParticipantId(), p.GetVolunteerId(), p.GetDate(), p.GetPartySize(), p.GetScore()))
	}
	slices.Sort(out)
	return out
}

var baseline struct {
	once sync.Once
	keys []string
}

// crashFreeKeys runs the job once without faults.
func crashFreeKeys(t *testing.T) []string {
	baseline.once.Do(func() {
		e := startEnv(t, 1, serverOptions())
		ctx := context.Background()
		e.load(ctx, crashCity())
		c := e.as(admin)
		job := e.runJob(ctx, c, "crash-free", "0180", "0184")
		baseline.keys = seatingKeys(seatingsOf(ctx, t, c, job.GetId()))
	})
	if len(baseline.keys) < 30 {
		t.Fatalf("crash-free run made %d proposals; the crash points need more", len(baseline.keys))
	}
	return baseline.keys
}

// TestCrashDuringJob kills a real dinners process at several points of a
// matching job and restarts it on the same files: the job resumes and its
// seatings equal a crash-free run's, none duplicated, one proposed event
// each.
func TestCrashDuringJob(t *testing.T) {
	want := crashFreeKeys(t)
	for _, at := range []string{"snapshot:0", "build:0", "solve:0", "propose:25", "result:0"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			key, err := auth.GenerateKey()
			if err != nil {
				t.Fatal(err)
			}
			addr, exited := servicetest.StartChild(t, dir, at, key, 90*time.Second)
			ctx := context.Background()
			first := &env{t: t, addrs: []string{addr}, key: key, signer: auth.NewSigner(key, "k1", time.Now)}
			start := &pb.StartMatchingJobRequest{
				RequestId: "crash", OrganisationId: orgA, MunicipalityCodes: []string{"0180", "0184"}}
			res, err := first.as(admin).StartMatchingJob(ctx, start)
			if err != nil && status.Code(err) != codes.Unavailable {
				t.Fatal(err)
			}
			// Unavailable: the job reached its crash point before the
			// answer went out (a loaded CI run at snapshot:0); the caller
			// asks again with the same request id after the restart.
			servicetest.WaitExit(t, exited, at)

			// Restart on the same files. Once the job has its snapshot,
			// more parties sign up before it resumes: they would change
			// the seatings if the restart took a new snapshot.
			e := &env{t: t, nats: testutil.MustNATSDir(t, filepath.Join(dir, "nats")), key: key,
				signer: auth.NewSigner(key, "k1", time.Now), clock: testutil.NewClock(day0)}
			changePool := at != "snapshot:0"
			poolReady := make(chan struct{})
			var o server.Options
			if changePool {
				o.JobHooks = &jobs.Hooks{OnReport: func(jobs.Job, string, int) { <-poolReady }}
			}
			e.addrs = append(e.addrs, e.start(o))
			var closeOnce sync.Once
			release := func() { closeOnce.Do(func() { close(poolReady) }) }
			t.Cleanup(release)
			if changePool {
				e.load(ctx, crashExtras())
				release()
			}
			c := e.as(admin)
			if res == nil {
				if res, err = c.StartMatchingJob(ctx, start); err != nil {
					t.Fatalf("the start asked again after the restart: %v", err)
				}
			}
			job := e.waitJob(ctx, c, res.GetJob().GetId())
			if job.GetAttempts() < 2 {
				t.Errorf("job attempts %d, want a second attempt after the crash", job.GetAttempts())
			}
			got := seatingKeys(seatingsOf(ctx, t, c, job.GetId()))
			if !slices.Equal(got, want) {
				t.Fatalf("after a crash at %s: %d seatings, crash-free %d; they differ", at, len(got), len(want))
			}
			if n := countSubject(ctx, t, e, events.SeatingProposed); n != len(want) {
				t.Errorf("proposed events %d, want %d", n, len(want))
			}
		})
	}
}

func countSubject(ctx context.Context, t testing.TB, e *env, subject string) int {
	t.Helper()
	return servicetest.CountSubject(ctx, t, e.nats.JS, events.StreamDinners, subject)
}
