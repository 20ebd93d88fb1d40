package server_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/guides/server"
)

// TestMain lets the test binary double as the process the crash test
// kills (servicetest.CrashMain): a guides service on an embedded NATS in
// MP_CRASH_DIR that dies at the point MP_CRASH_AT names.
func TestMain(m *testing.M) { servicetest.CrashMain(m, crashHelper) }

// The crash job's population: more Arabic speakers than the one unit has
// places (some left out, units full), and Somali speakers no unit guides
// (left out, no eligible unit). Its proposals fill more than one of the
// store's atomic batches (jsbatch.Max, 1,000), so a kill can fall between
// two of them.
const (
	crashPlaces  = 1060
	crashArabic  = 1100
	crashSomali  = 20
	crashLeftOut = crashArabic - crashPlaces + crashSomali
)

// crashPeople are the guide organisation and the newcomers every crash
// run and the crash-free run assign.
func crashPeople(tb testing.TB) []*eventsv1.Envelope {
	envs := []*eventsv1.Envelope{organisation(tb, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "ar", Capacity: crashPlaces})}
	for k := range crashArabic {
		envs = append(envs, registered(tb, newcomer(fmt.Sprintf("p-%04d", k), "0180", "ar", typev1.Gender(1+k%2))))
	}
	for k := range crashSomali {
		envs = append(envs, registered(tb, newcomer(fmt.Sprintf("p-so-%02d", k), "0180", "so", typev1.Gender(1+k%2))))
	}
	return envs
}

// crashLate register after the crash: a fresh snapshot would leave them
// out (the unit is full), so the left-out list would change.
func crashLate(tb testing.TB) []*eventsv1.Envelope {
	var envs []*eventsv1.Envelope
	for k := range 10 {
		envs = append(envs, registered(tb, newcomer(fmt.Sprintf("p-late-%02d", k), "0180", "ar", typev1.Gender_GENDER_WOMAN)))
	}
	return envs
}

// crashHelper is the child: "write:<k>" dies after the k-th durable write
// of the assignments' store (a batch's entries stored, their events not
// yet published); any other point is a job report (servicetest.ExitAt).
func crashHelper(dir, at string) error {
	pools := &servicetest.Pools{} // the child's pool, in its memory
	o := server.Options{JobAckWait: 2 * time.Second, Pools: pools.Add}
	if n, ok := strings.CutPrefix(at, "write:"); ok {
		k, _ := strconv.Atoi(n)
		var writes atomic.Int32
		o.StoreHooks = &store.Hooks{AfterWrite: func(string) error {
			if int(writes.Add(1)) >= k {
				os.Exit(servicetest.CrashExitCode)
			}
			return nil
		}}
		at = "" // no job report stops it
	}
	return servicetest.ServeProgrammeChild(dir, at, func() time.Time { return today }, server.Run, o,
		func(tb testing.TB, js jetstream.JetStream, key ed25519.PrivateKey, addr string) {
			e := &env{t: tb, nats: &testutil.NATS{JS: js}, pools: pools}
			e.publish(context.Background(), crashPeople(tb)...)
			e.waitKeys(context.Background(), "guides_newcomers", crashArabic+crashSomali)
			e.waitKeys(context.Background(), "guides_organisations", 1)
		})
}

// crashOutcome is what a job left: its assignments and its left-out list
// (id and reason), each sorted.
type crashOutcome struct {
	assigned, left []string
}

func outcomeOf(ctx context.Context, t *testing.T, c pb.GuideServiceClient, job string) crashOutcome {
	t.Helper()
	o := crashOutcome{assigned: proposalSet(ctx, t, c, job)}
	for _, u := range servicetest.All(t, func(tok string) ([]*pb.UnassignedNewcomer, string, error) {
		res, err := c.ListUnassigned(ctx, &pb.ListUnassignedRequest{JobId: job, PageSize: 500, PageToken: tok})
		return res.GetUnassigned(), res.GetNextPageToken(), err
	}) {
		o.left = append(o.left, u.GetParticipantId()+" "+u.GetReason().String())
	}
	slices.Sort(o.left)
	return o
}

var crashBaseline struct {
	once sync.Once
	want crashOutcome
}

// crashFree runs the job once without faults.
func crashFree(t *testing.T) crashOutcome {
	crashBaseline.once.Do(func() {
		ctx := context.Background()
		e := startEnv(t, 1, server.Options{})
		e.publish(ctx, crashPeople(t)...)
		e.waitKeys(ctx, "guides_newcomers", crashArabic+crashSomali)
		e.waitKeys(ctx, "guides_organisations", 1)
		c := e.as(coord)
		job := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "crash-free"})
		if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
			t.Fatalf("crash-free job: %v %s", job.GetState(), job.GetErrorMessage())
		}
		crashBaseline.want = outcomeOf(ctx, t, c, job.GetId())
	})
	w := crashBaseline.want
	if len(w.assigned) != crashPlaces || len(w.left) != crashLeftOut {
		t.Fatalf("crash-free run: %d assigned, %d left out; want %d and %d", len(w.assigned), len(w.left), crashPlaces, crashLeftOut)
	}
	return w
}

// TestCrashDuringGuidesJob kills a real guides process (exit without
// cleanup, as kill -9) at every point of an assignment job the hooks
// reach: each job report, and between the store's durable writes of the
// proposals (a batch stored, its events not yet out). Restarted on the
// same files with more newcomers registered meanwhile, the job ends
// succeeded with the crash-free run's assignments and left-out list: none
// twice, no one both assigned and left out, everyone entitled in one of
// the two, the counts matching the lists, one proposed event each.
func TestCrashDuringGuidesJob(t *testing.T) {
	t.Parallel()
	want := crashFree(t)
	for _, at := range []string{"snapshot:0", "build:0", "solve:0", "write:1", "write:2", "propose:1", "result:0"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			key := servicetest.NewKey(t)
			addr, exited := servicetest.StartChild(t, dir, at, key, 90*time.Second)
			ctx := context.Background()
			first := &env{t: t, addrs: []string{addr}, key: key, signer: servicetest.NewSigner(key)}
			start := &pb.StartAssignmentJobRequest{RequestId: "crash"}
			res, err := first.as(coord).StartAssignmentJob(ctx, start)
			if err != nil && status.Code(err) != codes.Unavailable {
				t.Fatal(err)
			}
			// Unavailable: the child died before it answered; the caller
			// asks again with the same request id after the restart.
			servicetest.WaitExit(t, exited, at)

			// Restart on the same files. Once the job has its snapshot,
			// late newcomers register before it resumes: a fresh snapshot
			// would list them.
			e := &env{t: t, nats: testutil.MustNATSDir(t, filepath.Join(dir, "nats")), key: key, signer: servicetest.NewSigner(key)}
			poolReady := make(chan struct{})
			var once sync.Once
			release := func() { once.Do(func() { close(poolReady) }) }
			t.Cleanup(release)
			o := server.Options{JobHooks: &jobs.Hooks{OnReport: func(jobs.Job, string, int) { <-poolReady }}}
			e.addrs = append(e.addrs, e.start(o))
			if at != "snapshot:0" { // before it the job has no snapshot to keep
				e.publish(ctx, crashLate(t)...)
				e.waitKeys(ctx, "guides_newcomers", crashArabic+crashSomali+len(crashLate(t)))
			}
			release()
			c := e.as(coord)
			if res == nil {
				if res, err = c.StartAssignmentJob(ctx, start); err != nil {
					t.Fatalf("the start asked again after the restart: %v", err)
				}
			}
			job := waitDone(ctx, e, c, res.GetJob().GetId())
			if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
				t.Fatalf("after a crash at %s: %v %q", at, job.GetState(), job.GetErrorMessage())
			}
			got := outcomeOf(ctx, t, c, job.GetId())
			checkCrashOutcome(t, at, job, got, want)
			// One proposed event per assignment on the stream: the relay
			// publishes what a killed writer stored (after its grace), so
			// wait for them all, then for the count to stand.
			testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
				if n := servicetest.CountSubject(ctx, t, e.nats.JS, events.StreamGuides, events.AssignmentChanged); n < len(want.assigned) {
					return fmt.Errorf("%d assignment events, want %d", n, len(want.assigned))
				}
				return nil
			})
			if n := servicetest.CountSubject(ctx, t, e.nats.JS, events.StreamGuides, events.AssignmentChanged); n != len(want.assigned) {
				t.Errorf("after a crash at %s: %d assignment events, want %d (one proposed each)", at, n, len(want.assigned))
			}
		})
	}
}

// checkCrashOutcome compares a resumed job with the crash-free run.
func checkCrashOutcome(t *testing.T, at string, job *pb.Job, got, want crashOutcome) {
	t.Helper()
	if !slices.Equal(got.assigned, want.assigned) {
		t.Errorf("after a crash at %s: %d assignments, crash-free %d; they differ", at, len(got.assigned), len(want.assigned))
	}
	if !slices.Equal(got.left, want.left) {
		t.Errorf("after a crash at %s: left out %d, crash-free %d; they differ:\n got %v\nwant %v", at, len(got.left), len(want.left),
			head(got.left), head(want.left))
	}
	seen := map[string]string{}
	for _, a := range got.assigned {
		id, _, _ := strings.Cut(a, "->")
		if seen[id] != "" {
			t.Errorf("after a crash at %s: %s assigned twice", at, id)
		}
		seen[id] = "assigned"
	}
	for _, l := range got.left {
		id, _, _ := strings.Cut(l, " ")
		if seen[id] != "" {
			t.Errorf("after a crash at %s: %s left out and also %s", at, id, seen[id])
		}
		seen[id] = "left out"
	}
	if len(seen) != crashArabic+crashSomali {
		t.Errorf("after a crash at %s: %d newcomers accounted for, want %d", at, len(seen), crashArabic+crashSomali)
	}
	if c := job.GetCounts(); c["proposals"] != int64(len(got.assigned)) || c["unassigned"] != int64(len(got.left)) {
		t.Errorf("after a crash at %s: counts %v, want %d proposals and %d unassigned", at, c, len(got.assigned), len(got.left))
	}
}

// head is the first few of a long list, for a failure message.
func head(s []string) []string { return s[:min(len(s), 5)] }

// TestCrashThenErasureBeforeRestart kills the guides process after the
// first batch of proposals is stored (write:1); while it is down, a
// newcomer it assigned and one it leaves out are erased. On the restart
// the erasures and the resumed job meet, in either order: the job ends
// succeeded, neither erased newcomer is assigned or left out, every other
// newcomer is in
// exactly one of the two lists.
func TestCrashThenErasureBeforeRestart(t *testing.T) {
	t.Parallel()
	const at = "write:1"
	dir := t.TempDir()
	key := servicetest.NewKey(t)
	addr, exited := servicetest.StartChild(t, dir, at, key, 90*time.Second)
	ctx := context.Background()
	first := &env{t: t, addrs: []string{addr}, key: key, signer: servicetest.NewSigner(key)}
	start := &pb.StartAssignmentJobRequest{RequestId: "crash-erase"}
	res, err := first.as(coord).StartAssignmentJob(ctx, start)
	if err != nil && status.Code(err) != codes.Unavailable {
		t.Fatal(err)
	}
	servicetest.WaitExit(t, exited, at)

	e := &env{t: t, nats: testutil.MustNATSDir(t, filepath.Join(dir, "nats")), key: key, signer: servicetest.NewSigner(key)}
	erased := []string{"p-0000", "p-so-00"} // one the job assigns, one it leaves out
	for _, id := range erased {
		// Later than every registration the child published (the
		// envelopes' times count up per process, from one start).
		ev, err := events.NewEnvelope("ev-erase-"+id, events.ParticipantErased, id, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
			&eventsv1.ParticipantErased{ParticipantId: id})
		if err != nil {
			t.Fatal(err)
		}
		e.publish(ctx, ev)
	}
	e.addrs = append(e.addrs, e.start(server.Options{}))
	c := e.as(coord)
	if res == nil {
		if res, err = c.StartAssignmentJob(ctx, start); err != nil {
			t.Fatalf("the start asked again after the restart: %v", err)
		}
	}
	job := waitDone(ctx, e, c, res.GetJob().GetId())
	if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("after a crash and two erasures: %v %q", job.GetState(), job.GetErrorMessage())
	}
	var got crashOutcome
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		got = outcomeOf(ctx, t, c, job.GetId())
		for _, line := range append(append([]string{}, got.assigned...), got.left...) {
			for _, id := range erased {
				if strings.HasPrefix(line, id+"->") || strings.HasPrefix(line, id+" ") {
					return fmt.Errorf("erased %s still listed: %s", id, line)
				}
			}
		}
		return nil
	})
	seen := map[string]bool{}
	for _, a := range got.assigned {
		id, _, _ := strings.Cut(a, "->")
		seen[id] = true
	}
	for _, l := range got.left {
		id, _, _ := strings.Cut(l, " ")
		if seen[id] {
			t.Errorf("%s both assigned and left out", id)
		}
		seen[id] = true
	}
	if want := crashArabic + crashSomali - len(erased); len(seen) != want {
		t.Errorf("%d newcomers accounted for (%d assigned, %d left out), want %d", len(seen), len(got.assigned), len(got.left), want)
	}
}
