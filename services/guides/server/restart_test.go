package server_test

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/service"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	"github.com/motesplats/motesplats/services/guides/server"
)

// crowd publishes n entitled newcomers and one organisation with room for
// all of them in Swedish, and waits for the pool.
func crowd(ctx context.Context, e *env, n int) []*eventsv1.Envelope {
	e.t.Helper()
	envs := []*eventsv1.Envelope{organisation(e.t, guideOrg, &eventsv1.GuideCapacity{MunicipalityCode: "0180", Language: "sv", Capacity: int32(n)})}
	for k := range n {
		envs = append(envs, registered(e.t, newcomer(fmt.Sprintf("p-%04d", k), "0180", "ar", typev1.Gender(1+k%2))))
	}
	e.publish(ctx, envs...)
	e.waitKeys(ctx, "guides_newcomers", n)
	e.waitKeys(ctx, "guides_organisations", 1)
	return envs
}

func proposalSet(ctx context.Context, t *testing.T, c pb.GuideServiceClient, job string) []string {
	t.Helper()
	var out []string
	for _, a := range assignments(ctx, t, c, job) {
		out = append(out, a.GetParticipantId()+"->"+a.GetOrganisationId()+"/"+a.GetLanguage())
	}
	slices.Sort(out)
	return out
}

// TestJobStoppedMidProposeResumes stops the replica running a job after
// it wrote some proposals; a second replica on the same NATS takes the job
// over and ends with exactly the proposals of a run without the stop, none
// twice, its attempts counting 2. Replaying every event afterwards changes
// nothing.
func TestJobStoppedMidProposeResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const n = 60

	clean := startEnv(t, 1, server.Options{})
	crowd(ctx, clean, n)
	want := proposalSet(ctx, t, clean.as(coord), clean.runJob(ctx, clean.as(coord), &pb.StartAssignmentJobRequest{RequestId: "r1"}).GetId())
	if len(want) != n {
		t.Fatalf("crash-free run: %d proposals, want %d", len(want), n)
	}

	e := startEnv(t, 0, server.Options{})
	stopped := make(chan struct{})
	var once atomic.Bool
	ctxA, stopA := context.WithCancel(ctx)
	hooks := &jobs.Hooks{OnReport: func(_ jobs.Job, phase string, done int) {
		if phase == "propose" && done >= 25 && once.CompareAndSwap(false, true) {
			stopA()
			close(stopped)
		}
	}}
	addrA := e.startWith(ctxA, server.Options{JobAckWait: time.Second, JobHooks: hooks})
	e.addrs = append(e.addrs, addrA)
	envs := crowd(ctx, e, n)
	res, err := e.as(coord).StartAssignmentJob(ctx, &pb.StartAssignmentJobRequest{RequestId: "r1"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
	case <-time.After(60 * time.Second):
		t.Fatal("the job never reached the propose phase")
	}
	e.addrs[0] = e.start(server.Options{JobAckWait: time.Second})
	c := e.as(coord)
	job := waitDone(ctx, e, c, res.GetJob().GetId())
	if job.GetState() != pb.JobState_JOB_STATE_SUCCEEDED {
		t.Fatalf("resumed job: %v %s", job.GetState(), job.GetErrorMessage())
	}
	got := proposalSet(ctx, t, c, job.GetId())
	if !slices.Equal(got, want) {
		t.Errorf("after the stop: %d proposals, want the crash-free %d\n got %v\nwant %v", len(got), len(want), got, want)
	}
	if job.GetCounts()["proposals"] != int64(n) {
		t.Errorf("job counts %v, want %d proposals", job.GetCounts(), n)
	}
	// The second replica's start is the job's second: the page and mp
	// say it was taken over from it (ADR 0199).
	if job.GetAttempts() != 2 {
		t.Errorf("attempts %d after the take-over, want 2", job.GetAttempts())
	}

	// Replay: the same events again change no eligibility and no
	// assignment.
	e.publish(ctx, envs...)
	again := e.runJob(ctx, c, &pb.StartAssignmentJobRequest{RequestId: "r2"})
	if len(assignments(ctx, t, c, again.GetId())) != 0 {
		t.Errorf("a job after the replay proposed again: %v", again.GetCounts())
	}
	if got := proposalSet(ctx, t, c, job.GetId()); !slices.Equal(got, want) {
		t.Errorf("the replay changed the first job's assignments")
	}
}

// startWith starts a replica that runs until ctx ends (no cleanup wait:
// the test stops it on purpose).
func (e *env) startWith(ctx context.Context, o server.Options) string {
	e.t.Helper()
	_, js := e.nats.Connect(e.t)
	o.Pools = e.poolHook()
	return servicetest.StartIn(ctx, e.t, js, e.key, func() time.Time { return today }, func(ctx context.Context, addr string, d service.Deps, ready func(net.Addr)) error {
		return server.Run(ctx, addr, d, o, ready)
	})
}
