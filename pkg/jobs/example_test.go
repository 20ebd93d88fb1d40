package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/natsembed"
)

// A programme's jobs on the kit: a snapshot of its pool, its rules'
// instance, create-once proposals, its result and a tally of what it
// wrote. The kit does the rest: the queue, one runner, crashes, progress,
// solving, verifying, explaining, traces and retention.
func ExampleManager_Pipeline() {
	dir, _ := os.MkdirTemp("", "jobs-example")
	defer os.RemoveAll(dir)
	ns, err := natsembed.Start(natsembed.Options{StoreDir: dir, Port: -1})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ns.Shutdown()
	nc, _ := natsembed.Connect(ns, "example")
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()

	pool := examplePool() // the live input: newcomers and hosts
	proposals, _ := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "dinner_proposals"})
	data, _ := jobs.OpenObjectData(ctx, js, "dinner_job_data", 1, 30*24*time.Hour)
	m, err := jobs.Open(ctx, js, jobs.Config{
		Name: "dinner", Data: data,
		Tally: func(ctx context.Context, j jobs.Job) (map[string]int64, error) {
			keys, err := proposals.ListKeys(ctx)
			if err != nil {
				return nil, err
			}
			n := int64(0)
			for range keys.Keys() {
				n++
			}
			return map[string]int64{"proposals": n}, nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	steps := jobs.Steps{
		Snapshot: func(ctx context.Context, j jobs.Job) (jobs.Snapshot, error) {
			raw, err := json.Marshal(pool)
			return jobs.Snapshot{Raw: raw, Version: "v1"}, err
		},
		Build: func(ctx context.Context, j jobs.Job, raw []byte) (jobs.Plan, error) {
			var p people
			if err := json.Unmarshal(raw, &p); err != nil {
				return jobs.Plan{}, err
			}
			b, err := match.Build(p.Newcomers, p.Hosts, match.StandardRules(match.Weights{match.RuleBase: 10, match.RuleLanguage: 50}, 0), nil)
			if err != nil {
				return jobs.Plan{}, err
			}
			var unmatched []string
			return jobs.Plan{
				Built: b,
				Propose: func(ctx context.Context, x match.Explanation) (bool, error) {
					// Create-once: a restarted job finds its proposal there.
					key := b.NewcomerIDs[x.Newcomer] + "." + b.HostIDs[x.Host]
					if _, err := proposals.Create(ctx, key, []byte(j.ID)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
						return false, err
					}
					return true, nil
				},
				Unmatched: func(x match.Explanation) { unmatched = append(unmatched, b.NewcomerIDs[x.Newcomer]) },
				Result: func() ([]byte, map[string]int64, error) {
					return []byte(strings.Join(unmatched, ",")), map[string]int64{"unmatched": int64(len(unmatched))}, nil
				},
			}, nil
		},
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(rctx, m.Pipeline(steps)) }()
	defer func() { stop(); <-done }()

	j, err := m.Submit(ctx, "coordinator/request-1", jobs.Job{Organisation: "org-1", Municipalities: []string{"1280"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	updates, _ := m.Watch(ctx, j.ID)
	for j = range updates {
	}
	fmt.Printf("%s: %d proposals, %d unmatched, objective %d, bound %d\n",
		j.State, j.Counts["proposals"], j.Counts["unmatched"], j.Counts["objective"], j.Counts["bound"])
	// Output:
	// succeeded: 2 proposals, 1 unmatched, objective 120, bound 120
}
