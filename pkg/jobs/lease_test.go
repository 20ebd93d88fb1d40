package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestLease_PartitionedRunnerStopsBeforeTakeOver: a runner cut off from
// NATS by a network partition (its TCP connection stays open, nothing
// gets through, so its client notices nothing for minutes) stops its job
// itself when its lease runs out, before the server hands the job to the
// other replica; once the partition heals, a write from the stale run is
// refused, and the job keeps the state the new runner committed.
func TestLease_PartitionedRunnerStopsBeforeTakeOver(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	p := testutil.MustProxy(t, n.Server.Addr().String(), nil)
	nc1, err := nats.Connect("nats://"+p.Addr(), nats.Name(t.Name()+"-cut"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc1.Close)
	js1, err := jetstream.New(nc1)
	if err != nil {
		t.Fatal(err)
	}
	cfg := jobs.Config{Name: "lease", AckWait: 2 * time.Second}
	m1, err := jobs.Open(ctx, js1, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m1.Close)

	var (
		started   = make(chan struct{})
		healed    = make(chan struct{})
		mu        sync.Mutex
		stopped   time.Time // when the cut-off run saw its context end
		cause     error
		lateWrite = make(chan error, 1)
	)
	runIn(t, m1, func(ctx context.Context, r *jobs.Run) error {
		close(started)
		<-ctx.Done()
		mu.Lock()
		stopped, cause = time.Now(), context.Cause(ctx)
		mu.Unlock()
		// A stale runner that writes anyway, once it can reach NATS again.
		select {
		case <-healed:
		case <-t.Context().Done(): // the test failed before healing
			return nil
		}
		err := r.Report(context.Background(), jobs.Progress{Phase: "stale", Percent: 90, Force: true})
		lateWrite <- err
		return err
	})
	j, err := m1.Submit(ctx, "req", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	<-started
	p.Cut()
	cutAt := time.Now()

	_, js2 := n.Connect(t)
	m2, err := jobs.Open(ctx, js2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m2.Close)
	var took atomic.Int64 // when the second runner started the job
	runIn(t, m2, func(ctx context.Context, r *jobs.Run) error {
		took.Store(time.Now().UnixNano())
		return nil
	})
	done := waitState(t, m2, j.ID, jobs.Succeeded)
	tookAt := time.Unix(0, took.Load())
	mu.Lock()
	stoppedAt, why := stopped, cause
	mu.Unlock()
	if stoppedAt.IsZero() {
		t.Fatalf("the cut-off runner was still running job %s when the other had finished it", j.ID)
	}
	if !errors.Is(why, jobs.ErrLost) {
		t.Errorf("the cut-off run ended with %v, want ErrLost", why)
	}
	if !stoppedAt.Before(tookAt) {
		t.Errorf("the cut-off runner stopped %v after the cut, the other started %v after it: two runners at once",
			stoppedAt.Sub(cutAt), tookAt.Sub(cutAt))
	}
	t.Logf("cut-off runner stopped %v after the cut; the other started the job %v after it (AckWait %v)",
		stoppedAt.Sub(cutAt).Round(time.Millisecond), tookAt.Sub(cutAt).Round(time.Millisecond), cfg.AckWait)
	if done.Attempts != 2 {
		t.Errorf("attempts %d, want 2", done.Attempts)
	}

	p.Heal()
	close(healed)
	if err := <-lateWrite; !errors.Is(err, jobs.ErrLost) {
		t.Errorf("a stale runner's write after the take-over returned %v, want ErrLost", err)
	}
	got, err := m2.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != jobs.Succeeded || got.Phase == "stale" {
		t.Errorf("job after the stale write: %s in phase %q, want succeeded, not stale", got.State, got.Phase)
	}
}

// TestLease_SlowFinishKeepsTheJob: the heartbeat goes on while the final
// state is committed, so a tally slower than AckWait does not hand the job
// to the other replica (which would run it a second time).
func TestLease_SlowFinishKeepsTheJob(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	const ackWait = time.Second
	var runs atomic.Int32
	redelivered := make(chan struct{})
	var once sync.Once
	cfg := jobs.Config{Name: "slow", AckWait: ackWait, Tally: func(ctx context.Context, j jobs.Job) (map[string]int64, error) {
		// Three leases long, unless the job is handed out again first.
		select {
		case <-redelivered:
		case <-time.After(3 * ackWait):
		}
		return map[string]int64{"written": 1}, nil
	}}
	var ms []*jobs.Manager
	for range 2 {
		_, js := n.Connect(t)
		m, err := jobs.Open(ctx, js, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		ms = append(ms, m)
		runIn(t, m, func(ctx context.Context, r *jobs.Run) error {
			if runs.Add(1) > 1 {
				once.Do(func() { close(redelivered) })
			}
			return nil
		})
	}
	j, err := ms[0].Submit(ctx, "req", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	done := waitState(t, ms[0], j.ID, jobs.Succeeded)
	if runs.Load() != 1 || done.Attempts != 1 {
		t.Errorf("the job ran %d times (attempts %d), want once: a slow finish lost the job", runs.Load(), done.Attempts)
	}
	if done.Counts["written"] != 1 {
		t.Errorf("counts %v, want the tally's", done.Counts)
	}
}
