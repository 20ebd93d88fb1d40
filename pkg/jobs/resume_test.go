package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// written is a job's output: create-once keys "<job id>.<n>" in a bucket,
// as proposals are create-once records with deterministic ids.
type written struct{ kv jetstream.KeyValue }

func newWritten(t *testing.T, js jetstream.JetStream) written {
	t.Helper()
	kv, err := js.CreateKeyValue(testutil.Context(t), jetstream.KeyValueConfig{Bucket: "written"})
	if err != nil {
		t.Fatal(err)
	}
	return written{kv}
}

// upTo writes items 0..n-1 of the job, once each, reporting every 25 as a
// matching job reports its proposals.
func (w written) upTo(ctx context.Context, r *jobs.Run, n int) error {
	id := r.Job().ID
	for k := range n {
		if _, err := w.kv.Create(ctx, fmt.Sprintf("%s.%d", id, k), []byte("x")); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			return err
		}
		if (k+1)%25 == 0 {
			if err := r.Report(ctx, jobs.Progress{Phase: "write", Done: k + 1, Counts: map[string]int64{"written": int64(k + 1)}}); err != nil {
				return err
			}
		}
	}
	return nil
}

// tally counts what the job wrote.
func (w written) tally(ctx context.Context, j jobs.Job) (map[string]int64, error) {
	keys, err := w.kv.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	n := int64(0)
	for k := range keys.Keys() {
		if strings.HasPrefix(k, j.ID+".") {
			n++
		}
	}
	return map[string]int64{"written": n}, nil
}

// TestKilledOnEveryAttemptCountsWhatItWroteAndResumes: a job whose runner
// is killed on each of its five attempts, each time a few writes after its
// last report, ends failed with the count of what it actually wrote (180,
// where its reports said 175). The same request id then resumes it: it
// runs again, keeps its id and its writes, and succeeds with every write
// counted once.
func TestKilledOnEveryAttemptCountsWhatItWroteAndResumes(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	_, js := n.Connect(t)
	w := newWritten(t, js)
	cfg := jobs.Config{Name: "killed", AckWait: time.Second, MaxAttempts: 5, Tally: w.tally}
	block := make(chan struct{})
	defer close(block)
	reached := make(chan int, 1)
	var id string
	for attempt := 1; attempt <= 5; attempt++ {
		nc, rjs := n.Connect(t)
		m, err := jobs.Open(ctx, rjs, cfg)
		if err != nil {
			t.Fatal(err)
		}
		runIn(t, m, func(ctx context.Context, r *jobs.Run) error {
			a := r.Job().Attempts
			if err := w.upTo(ctx, r, 36*a); err != nil {
				return err
			}
			reached <- a
			select {
			case <-block:
			case <-ctx.Done():
			}
			return nil
		})
		if attempt == 1 {
			j, err := m.Submit(ctx, "req", jobs.Job{Organisation: "org"})
			if err != nil {
				t.Fatal(err)
			}
			id = j.ID
		}
		if got := <-reached; got != attempt {
			t.Fatalf("runner %d ran attempt %d", attempt, got)
		}
		nc.Close() // killed: no heartbeat, no final state, no ack
		m.Close()
	}
	alive, err := jobs.Open(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(alive.Close)
	runIn(t, alive, func(ctx context.Context, r *jobs.Run) error { return w.upTo(ctx, r, 200) })
	failed := waitState(t, alive, id, jobs.Failed)
	stored, err := w.tally(ctx, failed)
	if err != nil {
		t.Fatal(err)
	}
	if stored["written"] != 180 || failed.Counts["written"] != stored["written"] {
		t.Fatalf("failed job counts %d written, the bucket holds %d (want 180)", failed.Counts["written"], stored["written"])
	}
	if failed.Attempts != 5 {
		t.Errorf("failed after %d attempts, want 5", failed.Attempts)
	}

	again, err := alive.Submit(ctx, "req", jobs.Job{Organisation: "other"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != id || again.State != jobs.Queued || again.Resumes != 1 || again.Organisation != "org" {
		t.Fatalf("the same request id gave %+v; want job %s queued again", again, id)
	}
	done := waitState(t, alive, id, jobs.Succeeded)
	stored, err = w.tally(ctx, done)
	if err != nil {
		t.Fatal(err)
	}
	if stored["written"] != 200 || done.Counts["written"] != 200 || done.Attempts != 6 || done.Error != "" {
		t.Fatalf("resumed job: %d written, counts %v, attempts %d, error %q; want 200, 200, 6, none",
			stored["written"], done.Counts, done.Attempts, done.Error)
	}
	if got, err := alive.Submit(ctx, "req", jobs.Job{}); err != nil || got.State != jobs.Succeeded || got.Resumes != 1 {
		t.Fatalf("a succeeded job's request id gave %+v, %v; want the job unchanged", got, err)
	}
}
