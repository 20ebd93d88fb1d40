package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
)

func open(t *testing.T, n *testutil.NATS, onFinish func(context.Context, jobs.Job) error) *jobs.Manager {
	t.Helper()
	_, js := n.Connect(t)
	m, err := jobs.Open(testutil.Context(t), js, jobs.Config{Name: "test", AckWait: time.Second, MaxAttempts: 3, OnFinish: onFinish})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func runIn(t *testing.T, m *jobs.Manager, fn jobs.Func) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, fn) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return cancel
}

func waitState(t *testing.T, m *jobs.Manager, id string, want jobs.State) jobs.Job {
	t.Helper()
	var j jobs.Job
	testutil.CheckFor(t, 15*time.Second, 20*time.Millisecond, func() error {
		var err error
		j, err = m.Get(context.Background(), id)
		if err != nil {
			return err
		}
		if j.State != want {
			return fmt.Errorf("state %s, want %s", j.State, want)
		}
		return nil
	})
	return j
}

// TestSubmitRunFinish: submitting twice gives one job, which runs once,
// reports progress, finishes and is announced once per finish.
func TestSubmitRunFinish(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	var finished atomic.Int32
	m := open(t, n, func(context.Context, jobs.Job) error { finished.Add(1); return nil })
	ctx := testutil.Context(t)
	a, err := m.Submit(ctx, "req-1", jobs.Job{Organisation: "org"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Submit(ctx, "req-1", jobs.Job{Organisation: "other"})
	if err != nil || b.ID != a.ID || b.Organisation != "org" {
		t.Fatalf("second submit = %+v, %v; want job %s", b, err, a.ID)
	}
	watch, err := m.Watch(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	runIn(t, m, func(ctx context.Context, r *jobs.Run) error {
		runs.Add(1)
		return r.Report(ctx, jobs.Progress{Phase: "work", Percent: 50, Counts: map[string]int64{"things": 3}, Force: true})
	})
	j := waitState(t, m, a.ID, jobs.Succeeded)
	if runs.Load() != 1 || j.Progress != 100 || j.Counts["things"] != 3 {
		t.Fatalf("runs %d, job %+v", runs.Load(), j)
	}
	// The success is stored first and announced after it (settleFinal),
	// so the announcement may come a moment after the state is seen.
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if got := finished.Load(); got != 1 {
			return fmt.Errorf("announced %d times, want 1", got)
		}
		return nil
	})
	var last jobs.Job
	for j := range watch {
		last = j
	}
	if last.State != jobs.Succeeded {
		t.Fatalf("watch ended at %s", last.State)
	}
	if got := m.List(nil); len(got) != 1 {
		t.Fatalf("list has %d jobs", len(got))
	}
}

// TestTakeOverAfterRunnerDies: a runner whose connection dies mid-job
// loses it to another replica after AckWait; the job succeeds there.
func TestTakeOverAfterRunnerDies(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	nc1, js1 := n.Connect(t)
	m1, err := jobs.Open(ctx, js1, jobs.Config{Name: "test", AckWait: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	block := make(chan struct{})
	defer close(block)
	runIn(t, m1, func(ctx context.Context, r *jobs.Run) error {
		close(started)
		<-block
		return nil
	})
	j, err := m1.Submit(ctx, "req", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	nc1.Close() // the first runner is cut off: no heartbeats, no ack
	m2 := open(t, n, nil)
	runIn(t, m2, func(ctx context.Context, r *jobs.Run) error { return nil })
	got := waitState(t, m2, j.ID, jobs.Succeeded)
	if got.Attempts != 2 {
		t.Fatalf("attempts %d, want 2", got.Attempts)
	}
}

// TestFailures: a permanent error fails at once; others retry until
// MaxAttempts.
func TestFailures(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	m := open(t, n, nil)
	ctx := testutil.Context(t)
	var calls atomic.Int32
	runIn(t, m, func(ctx context.Context, r *jobs.Run) error {
		calls.Add(1)
		if r.Job().Organisation == "permanent" {
			return jobs.Permanent(errors.New("bad input"))
		}
		return errors.New("flaky")
	})
	p, _ := m.Submit(ctx, "p", jobs.Job{Organisation: "permanent"})
	j := waitState(t, m, p.ID, jobs.Failed)
	if j.Attempts != 1 || j.Error != "bad input" {
		t.Fatalf("permanent: %+v", j)
	}
	f, _ := m.Submit(ctx, "f", jobs.Job{Organisation: "flaky"})
	j = waitState(t, m, f.ID, jobs.Failed)
	if j.Attempts != 3 {
		t.Fatalf("flaky: attempts %d, want 3", j.Attempts)
	}
}

// TestHeartbeatRacesReports: with a tiny AckWait the heartbeat stores the
// job every millisecond while the job reports progress with counts and sets
// its snapshot. Nothing may crash (a concurrent map clone and write is
// fatal), and no heartbeat may write an older snapshot or counts back: each
// job ends with the snapshot it set and its last counts.
func TestHeartbeatRacesReports(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "race", AckWait: 5 * time.Millisecond, MaxAttempts: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	const reports = 150
	runIn(t, m, func(ctx context.Context, r *jobs.Run) error {
		id := r.Job().ID
		for k := range reports {
			if k == 3 {
				if err := r.SetSnapshot(ctx, "snap-"+id, "v1"); err != nil {
					return err
				}
			}
			if err := r.Report(ctx, jobs.Progress{Phase: "work", Percent: k * 99 / reports, Done: k,
				Counts: map[string]int64{"n": int64(k), fmt.Sprintf("c%d", k%7): int64(k)}, Force: k%10 == 0}); err != nil {
				return err
			}
		}
		return nil
	})
	var submitted []string
	for k := range 8 {
		j, err := m.Submit(ctx, fmt.Sprintf("req-%d", k), jobs.Job{})
		if err != nil {
			t.Fatal(err)
		}
		submitted = append(submitted, j.ID)
	}
	for _, id := range submitted {
		j := waitState(t, m, id, jobs.Succeeded)
		if j.Snapshot != "snap-"+id || j.Version != "v1" || j.Counts["n"] != reports-1 {
			t.Errorf("job %s ended with snapshot %q, version %q, counts %v; want snap-%s, v1, n=%d",
				id, j.Snapshot, j.Version, j.Counts, id, reports-1)
		}
	}
}

// TestFinishHookGivesUp: a finish hook that keeps failing is retried
// FinishAttempts times, then the job's message is acknowledged so the next
// job runs.
func TestFinishHookGivesUp(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	var calls atomic.Int32
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "stuck", AckWait: time.Second, FinishAttempts: 2,
		OnFinish: func(context.Context, jobs.Job) error { calls.Add(1); return errors.New("stream unavailable") }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	var runs atomic.Int32
	runIn(t, m, func(context.Context, *jobs.Run) error { runs.Add(1); return nil })
	a, err := m.Submit(ctx, "a", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Submit(ctx, "b", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, m, a.ID, jobs.Succeeded)
	waitState(t, m, b.ID, jobs.Succeeded)
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if got := calls.Load(); got != 4 {
			return fmt.Errorf("finish hook ran %d times, want 2 per job", got)
		}
		return nil
	})
	if runs.Load() != 2 {
		t.Errorf("jobs ran %d times, want 2", runs.Load())
	}
}

// TestWatchRepeatsAQuietJob: a queued job that no runner takes changes
// nothing, and Watch sends it again all the same (every WatchHeartbeat),
// so a watch stream's caller can tell a quiet job from a stalled replica
// (ADR 0145). Without the heartbeat the second receive waits until the
// test's context ends.
func TestWatchRepeatsAQuietJob(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	m := open(t, n, nil)
	ctx := testutil.Context(t)
	j, err := m.Submit(ctx, "req-quiet", jobs.Job{Organisation: "org"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 6*jobs.WatchHeartbeat)
	defer cancel()
	watch, err := m.Watch(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		select {
		case got, ok := <-watch:
			if !ok || got.ID != j.ID || got.State != jobs.Queued {
				t.Fatalf("message %d: %+v (open %v), want job %s queued", i, got, ok, j.ID)
			}
		case <-ctx.Done():
			t.Fatalf("message %d: none before the test's deadline", i)
		}
	}
}
