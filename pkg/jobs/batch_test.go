package jobs_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPipelineBatchesInFlight: with Plan.BatchesInFlight 2 and BatchSize 1
// the two proposals of the example go to ProposeBatch in two calls that
// run at once (the first call waits for the second to start, so one call
// at a time would fail the job), every proposal is handed over exactly
// once, and the job counts both; a failing call fails the attempt.
func TestPipelineBatchesInFlight(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	data, err := jobs.OpenObjectData(ctx, js, "batch_data", 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "batch_proposals"})
	if err != nil {
		t.Fatal(err)
	}
	x := &example{pool: examplePool(), proposals: kv}
	var mu sync.Mutex
	var handed []string
	second := make(chan struct{})
	var once sync.Once
	fail := false
	steps := x.steps(nil)
	build := steps.Build
	steps.Build = func(ctx context.Context, j jobs.Job, raw []byte) (jobs.Plan, error) {
		p, err := build(ctx, j, raw)
		if err != nil {
			return p, err
		}
		p.BatchSize, p.BatchesInFlight = 1, 2
		p.ProposeBatch = func(ctx context.Context, xs []match.Explanation) ([]bool, error) {
			mu.Lock()
			first := len(handed) == 0
			for _, m := range xs {
				handed = append(handed, p.Built.NewcomerIDs[m.Newcomer]+"."+p.Built.HostIDs[m.Host])
			}
			failing := fail
			mu.Unlock()
			if failing {
				return nil, errors.New("store down")
			}
			if !first {
				once.Do(func() { close(second) })
				return []bool{true}, nil
			}
			select {
			case <-second:
				return []bool{true}, nil
			case <-time.After(30 * time.Second):
				return nil, jobs.Permanent(errors.New("the second batch never ran beside the first"))
			}
		}
		return p, nil
	}
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "batch", AckWait: time.Second, Data: data, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	runIn(t, m, m.Pipeline(steps))

	j, err := m.Submit(ctx, "req", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	done := waitState(t, m, j.ID, jobs.Succeeded)
	if done.Counts["proposals"] != 2 || done.Counts["unmatched"] != 1 {
		t.Errorf("counts %v; want 2 proposals, 1 unmatched", done.Counts)
	}
	mu.Lock()
	slices.Sort(handed)
	if want := []string{"amal.eva", "bo.filip"}; !slices.Equal(handed, want) {
		t.Errorf("handed %v, want %v, each once", handed, want)
	}
	handed, fail = nil, true
	mu.Unlock()

	j, err = m.Submit(ctx, "req2", jobs.Job{})
	if err != nil {
		t.Fatal(err)
	}
	if got := waitState(t, m, j.ID, jobs.Failed); got.Counts["proposals"] != 0 {
		t.Errorf("a failed attempt counted %d proposals", got.Counts["proposals"])
	}
}
