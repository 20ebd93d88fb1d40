package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/match"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// people is the example programme's snapshot.
type people struct {
	Newcomers, Hosts []match.Person
}

// example is a small programme on the kit: people from a fixed list,
// the engine's standard rules, proposals as create-once keys
// "<newcomer>.<host>", unmatched newcomers as the result.
type example struct {
	pool      people
	proposals jetstream.KeyValue
}

func (x *example) steps(tp trace.TracerProvider) jobs.Steps {
	return jobs.Steps{
		Snapshot: func(ctx context.Context, j jobs.Job) (jobs.Snapshot, error) {
			raw, err := json.Marshal(x.pool)
			return jobs.Snapshot{Raw: raw, Version: "v1", Counts: map[string]int64{"newcomers": int64(len(x.pool.Newcomers))}}, err
		},
		Build: func(ctx context.Context, j jobs.Job, raw []byte) (jobs.Plan, error) {
			var p people
			if err := json.Unmarshal(raw, &p); err != nil {
				return jobs.Plan{}, err
			}
			weights := match.Weights{match.RuleBase: 10, match.RuleLanguage: 50, match.RuleMunicipality: 30}
			b, err := match.Build(p.Newcomers, p.Hosts, match.StandardRules(weights, 0), nil)
			if err != nil {
				return jobs.Plan{}, err
			}
			var unmatched []string
			return jobs.Plan{
				Built: b,
				Propose: func(ctx context.Context, m match.Explanation) (bool, error) {
					_, span := tp.Tracer("example").Start(ctx, "example.write")
					defer span.End()
					key := b.NewcomerIDs[m.Newcomer] + "." + b.HostIDs[m.Host]
					if _, err := x.proposals.Create(ctx, key, []byte(j.ID)); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
						return false, err
					}
					return true, nil
				},
				Unmatched: func(m match.Explanation) { unmatched = append(unmatched, b.NewcomerIDs[m.Newcomer]) },
				Result: func() ([]byte, map[string]int64, error) {
					return []byte(strings.Join(unmatched, ",")), map[string]int64{"unmatched": int64(len(unmatched))}, nil
				},
			}, nil
		},
	}
}

func examplePool() people {
	return people{
		Newcomers: []match.Person{
			{ID: "amal", Languages: []string{"ar", "sv"}, Municipality: "Malmö"},
			{ID: "bo", Languages: []string{"uk"}, Municipality: "Lund"},
			{ID: "cai", Languages: []string{"zh"}, Municipality: "Lund"},
		},
		Hosts: []match.Person{
			{ID: "eva", Capacity: 1, Languages: []string{"sv", "ar"}, Municipality: "Malmö"},
			{ID: "filip", Capacity: 1, Languages: []string{"uk", "sv"}, Municipality: "Malmö"},
		},
	}
}

// TestPipelineContinuesTheRequestTrace: a job submitted inside a request's
// span runs the pipeline in the same trace: the request span is an
// ancestor of the run, the solve and the proposals written (the
// programme's writes are children of "jobs.propose"). The job proposes the
// optimum, stores its result, drops its snapshot once it succeeded and
// counts what it wrote.
func TestPipelineContinuesTheRequestTrace(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	data, err := jobs.OpenObjectData(ctx, js, "example_data", 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: "example_proposals"})
	if err != nil {
		t.Fatal(err)
	}
	x := &example{pool: examplePool(), proposals: kv}
	m, err := jobs.Open(ctx, js, jobs.Config{Name: "example", AckWait: time.Second, Data: data,
		TracerProvider: tp, Propagator: propagation.TraceContext{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	runIn(t, m, m.Pipeline(x.steps(tp)))

	rctx, request := tp.Tracer("test").Start(ctx, "request")
	j, err := m.Submit(rctx, "req", jobs.Job{})
	request.End()
	if err != nil {
		t.Fatal(err)
	}
	done := waitState(t, m, j.ID, jobs.Succeeded)
	if done.Counts["proposals"] != 2 || done.Counts["unmatched"] != 1 || done.Counts["objective"] != 150 ||
		done.Counts["bound"] != 150 || done.Counts["newcomers"] != 3 || done.Version != "v1" {
		t.Errorf("counts %v, version %q; want 2 proposals, 1 unmatched, objective and bound 150, 3 newcomers, v1", done.Counts, done.Version)
	}
	for _, key := range []string{"amal.eva", "bo.filip"} {
		if _, err := kv.Get(ctx, key); err != nil {
			t.Errorf("proposal %s: %v", key, err)
		}
	}
	if res, err := data.Get(ctx, j.ID, jobs.ResultKind); err != nil || string(res) != "cai" {
		t.Errorf("result %q, %v; want cai", res, err)
	}
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if _, err := data.Get(ctx, j.ID, jobs.SnapshotKind); apperr.ErrorCode(err) != apperr.NotFound {
			return fmt.Errorf("snapshot of a succeeded job: %v; want it dropped", err)
		}
		return nil
	})

	var spans []sdktrace.ReadOnlySpan
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		spans = rec.Ended()
		names := map[string]bool{}
		for _, s := range spans {
			names[s.Name()] = true
		}
		for _, want := range []string{"jobs.run example", "jobs.snapshot", "jobs.build", "jobs.solve", "jobs.verify", "jobs.explain", "jobs.propose", "example.write"} {
			if !names[want] {
				return fmt.Errorf("span %s not ended yet", want)
			}
		}
		return nil
	})
	parent := map[trace.SpanID]trace.SpanID{}
	for _, s := range spans {
		parent[s.SpanContext().SpanID()] = s.Parent().SpanID()
	}
	descends := func(s sdktrace.ReadOnlySpan, from trace.SpanID) bool {
		for id := s.SpanContext().SpanID(); id.IsValid(); id = parent[id] {
			if id == from {
				return true
			}
		}
		return false
	}
	for _, s := range spans {
		if !slices.Contains([]string{"jobs.run example", "jobs.snapshot", "jobs.build", "jobs.solve", "jobs.verify", "jobs.explain", "jobs.propose", "example.write"}, s.Name()) {
			continue
		}
		if s.SpanContext().TraceID() != request.SpanContext().TraceID() || !descends(s, request.SpanContext().SpanID()) {
			t.Errorf("span %s is not in the request's trace below the request span", s.Name())
		}
		if s.Name() == "example.write" && !descends(s, spanID(spans, "jobs.propose")) {
			t.Errorf("a proposal write is not below jobs.propose")
		}
		if (s.Name() == "jobs.verify" || s.Name() == "jobs.explain") && !descends(s, spanID(spans, "jobs.solve")) {
			t.Errorf("span %s is not below jobs.solve", s.Name())
		}
	}
}

func spanID(spans []sdktrace.ReadOnlySpan, name string) trace.SpanID {
	for _, s := range spans {
		if s.Name() == name {
			return s.SpanContext().SpanID()
		}
	}
	return trace.SpanID{}
}
