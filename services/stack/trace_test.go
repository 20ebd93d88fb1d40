package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/spantree"
)

// TestTrace_HTTPJobIsOneTrace: a matching job started by one HTTP request
// to the gateway's Connect JSON API shows as one trace: the request, the
// job's run, its solve, the proposals written, the events their outbox
// published, and a consumer that handled one of them, each span's
// parent present in the trace.
func TestTrace_HTTPJobIsOneTrace(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	cfg := testConfig(t, t.TempDir())
	cfg.spans, cfg.logs = spans, &testutil.LogBuffer{}
	l, _, _ := startStack(t, cfg)
	cfg.ParticipantsAddr, cfg.VolunteersAddr = l.Addr("participants"), l.Addr("volunteers")
	cfg.DinnersAddr = l.Addr("dinners")
	ctx := testutil.Context(t)
	var out bytes.Buffer
	if err := seed(ctx, cfg, []string{"-participants", "60", "-volunteers", "20", "-nats", "nats://" + l.Addr("nats")}, &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	js := natsClient(t, l)
	consumerSettled(t, ctx, js, events.StreamParticipants, "mentoring-participants")
	consumerSettled(t, ctx, js, events.StreamVolunteers, "mentoring-volunteers")

	// Anna coordinates the organisation of Stockholm and Uppsala (0180,
	// 0380), where the seed puts most people.
	pw := regexp.MustCompile(`anna@example\.org\s+password (\S+)`).FindStringSubmatch(out.String())
	if pw == nil {
		t.Fatalf("seed output names no password for anna:\n%s", out.String())
	}
	base := "http://" + l.Addr("gateway")
	var signedIn struct{ Token string }
	post(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "",
		map[string]any{"email": "anna@example.org", "password": pw[1]}, &signedIn)
	if signedIn.Token == "" {
		t.Fatal("sign-in returned no token")
	}
	type job struct {
		Job struct {
			ID, State string
			Counts    struct{ Proposals int }
		}
	}
	// No service in the stack consumes the mentoring stream yet; this
	// consumer, built by pkg/events as every service's are, stands in.
	const probe = "trace-probe"
	c, err := events.NewConsumer(ctx, js, events.ConsumerConfig{Stream: events.StreamMentoring, Durable: probe,
		FilterSubjects: []string{events.PairProposed}}, func(context.Context, *eventsv1.Envelope) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	cctx, stopConsumer := context.WithCancel(ctx)
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		_ = c.Run(cctx)
	}()
	t.Cleanup(func() { stopConsumer(); <-consumed })
	var started job
	post(t, base, gatewayv1connect.MatchingServiceStartMatchingJobProcedure, signedIn.Token,
		map[string]any{"requestId": "onetrace"}, &started)
	if started.Job.ID == "" {
		t.Fatal("the job has no id")
	}
	var done job
	testutil.CheckFor(t, 60*time.Second, 50*time.Millisecond, func() error {
		post(t, base, gatewayv1connect.MatchingServiceGetMatchingJobProcedure, signedIn.Token, map[string]any{"id": started.Job.ID}, &done)
		switch done.Job.State {
		case "JOB_STATE_SUCCEEDED":
			return nil
		case "JOB_STATE_FAILED":
			t.Fatalf("job failed: %+v", done)
		}
		return fmt.Errorf("job %s", done.Job.State)
	})
	if done.Job.Counts.Proposals == 0 {
		t.Fatalf("the job proposed nothing (%+v): the trace would show no proposals or events", done)
	}

	// Every process span of the proposals' events must be in the trace,
	// so wait for the consumer to handle all of them.
	consumerSettled(t, ctx, js, events.StreamMentoring, probe)
	var tree *spantree.Tree
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		tree = requestTrace(spans.GetSpans())
		if tree == nil {
			return fmt.Errorf("no StartMatchingJob request span yet")
		}
		// The job's run span ends after the job is marked succeeded.
		have := tree.Count()
		if have["jobs.run mentoring"] == 0 || have["process "+events.PairProposed] < done.Job.Counts.Proposals {
			return fmt.Errorf("the run or the consumers' spans have not ended yet: %v", have)
		}
		return nil
	})
	t.Logf("the request's trace:\n%s", tree)

	roots, count := tree.Roots(), tree.Count()
	if len(roots) != 1 {
		t.Fatalf("the trace has %d spans without their parent in it, want only the request's", len(roots))
	}
	if r := roots[0]; r.Kind != trace.SpanKindServer.String() || r.Parent != "" ||
		!strings.HasPrefix(r.Name, "POST /motesplats.gateway.v1.MatchingService/") {
		t.Errorf("the trace's root is %q (%s), want the gateway's HTTP server span", r.Name, r.Kind)
	}
	for _, name := range []string{"jobs.run mentoring", "jobs.snapshot", "jobs.solve", "jobs.propose"} {
		if count[name] != 1 {
			t.Errorf("%d %q spans in the request's trace, want 1", count[name], name)
		}
	}
	// Every proposal's record written and its event published below the
	// job's propose step, one at a time or in batches (a job proposes in
	// batches of 25 since b65f752: one "store.create_batch" write and one
	// "publish batch" per batch); each publish below its write.
	writes := map[string]bool{"store.create mentoring_pairs": true, "store.create_batch mentoring_pairs": true}
	publishes := append(tree.Named("publish "+events.PairProposed), tree.Named("publish batch")...)
	if len(publishes) == 0 || len(publishes) > done.Job.Counts.Proposals {
		t.Errorf("%d publish spans in the request's trace, want 1 to %d (one per proposal or per batch)", len(publishes), done.Job.Counts.Proposals)
	}
	// Every consumer of the event (this test's and the notify service's)
	// continues the trace below a publish: each publish has a handling
	// below it, and every proposal's event is handled at least once.
	handled := 0
	for _, s := range publishes {
		if p, _ := tree.Span(s.Parent); !writes[p.Name] {
			t.Errorf("a publish span's parent is %q, want the proposals' store write", p.Name)
		}
		n := 0
		for _, k := range tree.Kids(s.ID) {
			if k.Name == "process "+events.PairProposed {
				n++
			}
		}
		if n == 0 {
			t.Errorf("publish span %s has no consumer span below it", s.ID)
		}
		handled += n
	}
	if handled < done.Job.Counts.Proposals {
		t.Errorf("%d handlings below the publishes, want at least one per proposal (%d)", handled, done.Job.Counts.Proposals)
	}
}

// post calls a gateway procedure with a JSON body (call) and decodes the
// answer, which must be OK.
func post(t *testing.T, base, procedure, token string, body, into any) {
	t.Helper()
	status, got := call(t, base, procedure, token, body)
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", procedure, status, got)
	}
	if err := json.Unmarshal([]byte(got), into); err != nil {
		t.Fatalf("%s: %v", procedure, err)
	}
}

// requestTrace returns the trace of the StartMatchingJob request's
// server span, or nil while that span has not ended.
func requestTrace(all tracetest.SpanStubs) *spantree.Tree {
	var root *tracetest.SpanStub
	for i, s := range all {
		if strings.Contains(s.Name, "StartMatchingJob") && s.SpanKind == trace.SpanKindServer {
			if root == nil || s.StartTime.Before(root.StartTime) {
				root = &all[i]
			}
		}
	}
	if root == nil {
		return nil
	}
	return spantree.New(spantree.FromOTel(all, root.SpanContext.TraceID().String()))
}
