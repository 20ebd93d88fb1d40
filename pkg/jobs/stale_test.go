package jobs_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/store/staletest"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestARunnerReadingAReplicaBehindKeepsItsJob: in a cluster, a direct get
// of the job's record may be answered by a replica that has not yet seen
// the runner's claim. The runner then read its own job back as queued and
// ownerless, took that for a take-over and gave the attempt up: under make
// up's three NATS nodes the first mentoring job of a fresh stack said
// "Togs över efter ett avbrott (försök 2)" with nothing interrupted, 5 s
// later (outside round s42, ADR 0233). The record's stream leader decides.
func TestARunnerReadingAReplicaBehindKeepsItsJob(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	m := open(t, n, nil)
	ctx := testutil.Context(t)
	j, err := m.Submit(ctx, "req-behind", jobs.Job{Organisation: "org"})
	if err != nil {
		t.Fatal(err)
	}
	// Every direct get of the job answers it as submitted, for good.
	behind := staletest.MustReplica(t, n.Conn, n.JS, "test_jobs", j.ID, true)

	reports := make(chan error, 1)
	runIn(t, m, func(ctx context.Context, r *jobs.Run) error {
		err := r.Report(ctx, jobs.Progress{Phase: "work", Percent: 50, Force: true})
		select {
		case reports <- err:
		default: // a later attempt's: the first one is what is checked
		}
		if err != nil {
			return err
		}
		return r.Report(ctx, jobs.Progress{Phase: "more", Percent: 80, Force: true})
	})
	select {
	case err := <-reports:
		if err != nil {
			t.Errorf("the first report, read from a replica behind: %v; want it stored (the leader has the job as this runner's)", err)
		}
	case <-ctx.Done():
		t.Fatal("the job never ran")
	}
	behind.Heal()
	if got := waitState(t, m, j.ID, jobs.Succeeded); got.Attempts != 1 {
		t.Errorf("the job took %d attempts, want 1: nothing interrupted it", got.Attempts)
	}
}

// TestAJobSubmittedPastAReplicaBehindRuns: the runner reads the job a
// queue message names by a direct get, which a replica that has not yet
// seen the submit answers "no such job"; the runner then dropped the
// message and the job stayed queued until requeue's copy got past the
// queue's duplicate window, two minutes later (ADR 0233). The stream
// leader decides before a message is settled.
func TestAJobSubmittedPastAReplicaBehindRuns(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	m := open(t, n, nil)
	ctx := testutil.Context(t)
	// The replica behind has one other entry of the bucket and never the
	// job: every direct get of the job answers that there is none.
	kv, err := n.JS.KeyValue(ctx, "test_jobs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "other", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	behind := staletest.MustReplica(t, n.Conn, n.JS, "test_jobs", "other", true)

	var runs atomic.Int32
	runIn(t, m, func(context.Context, *jobs.Run) error { runs.Add(1); return nil })
	j, err := m.Submit(ctx, "req-past-behind", jobs.Job{Organisation: "org"})
	if err != nil {
		t.Fatal(err)
	}
	// The queue empties whether the job ran or its message was dropped.
	q, err := n.JS.Stream(ctx, "JOBS_TEST")
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 15*time.Second, 20*time.Millisecond, func() error {
		info, err := q.Info(ctx)
		if err != nil {
			return err
		}
		if info.State.Msgs != 0 {
			return fmt.Errorf("%d messages queued", info.State.Msgs)
		}
		return nil
	})
	behind.Heal()
	if got, err := m.Get(ctx, j.ID); err != nil || got.State != jobs.Succeeded || runs.Load() != 1 {
		t.Errorf("job %s after its message was settled: state %q, err %v, ran %d times; want succeeded once", j.ID, got.State, err, runs.Load())
	}
}

// TestARepeatedSubmitPastAReplicaBehindFindsItsJob: a second start with
// the same request id (a retry after a timeout) finds the job's record
// taken, then reads it by a direct get; a replica that had not seen it
// answered "no such job" and the coordinator's retry was told the job
// did not exist (ADR 0233). The record's leader answers.
func TestARepeatedSubmitPastAReplicaBehindFindsItsJob(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	m := open(t, n, nil)
	ctx := testutil.Context(t)
	kv, err := n.JS.KeyValue(ctx, "test_jobs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "other", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	staletest.MustReplica(t, n.Conn, n.JS, "test_jobs", "other", true)
	first, err := m.Submit(ctx, "req-again", jobs.Job{Organisation: "org"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.Submit(ctx, "req-again", jobs.Job{Organisation: "org"})
	if err != nil || again.ID != first.ID {
		t.Errorf("the same request again = job %q, %v; want job %s", again.ID, err, first.ID)
	}
}
