package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/motesplats/motesplats/pkg/events"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestTrace_HTTPJobIsOneTrace: a matching job started by one HTTP request
// to the gateway's Connect JSON API shows as one trace: the request, the
// job's run, its solve, the proposals written, the events their outbox
// published, and a consumer that handled one of them, each span's
// parent present in the trace.
func TestTrace_HTTPJobIsOneTrace(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	cfg := testConfig(t, t.TempDir())
	cfg.spans, cfg.logs = spans, &syncBuffer{}
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
	var tree map[trace.SpanID]tracetest.SpanStub
	testutil.CheckFor(t, 30*time.Second, 50*time.Millisecond, func() error {
		tree = requestTrace(spans.GetSpans())
		if tree == nil {
			return fmt.Errorf("no StartMatchingJob request span yet")
		}
		// The job's run span ends after the job is marked succeeded.
		have := map[string]int{}
		for _, s := range tree {
			have[s.Name]++
		}
		if have["jobs.run mentoring"] == 0 || have["process "+events.PairProposed] < done.Job.Counts.Proposals {
			return fmt.Errorf("the run or the consumers' spans have not ended yet: %v", have)
		}
		return nil
	})
	t.Logf("the request's trace:\n%s", dumpTree(tree))

	var roots []tracetest.SpanStub
	count := map[string]int{}
	for _, s := range tree {
		count[s.Name]++
		if _, ok := tree[s.Parent.SpanID()]; !ok {
			roots = append(roots, s)
		}
	}
	if len(roots) != 1 {
		t.Fatalf("the trace has %d spans without their parent in it, want only the request's", len(roots))
	}
	if r := roots[0]; r.SpanKind != trace.SpanKindServer || r.Parent.IsValid() ||
		!strings.HasPrefix(r.Name, "POST /motesplats.gateway.v1.MatchingService/") {
		t.Errorf("the trace's root is %q (%s), want the gateway's HTTP server span", r.Name, r.SpanKind)
	}
	for _, name := range []string{"jobs.run mentoring", "jobs.snapshot", "jobs.solve", "jobs.propose"} {
		if count[name] != 1 {
			t.Errorf("%d %q spans in the request's trace, want 1", count[name], name)
		}
	}
	// One record written, one event published and one handling per
	// proposal; each publish below its write.
	for _, s := range tree {
		if s.Name == "publish "+events.PairProposed && tree[s.Parent.SpanID()].Name != "store.create mentoring_pairs" {
			t.Errorf("a publish span's parent is %q, want the proposal's store write", tree[s.Parent.SpanID()].Name)
		}
	}
	for _, name := range []string{"store.create mentoring_pairs", "publish " + events.PairProposed} {
		if count[name] != done.Job.Counts.Proposals {
			t.Errorf("%d %q spans in the request's trace, want one per proposal (%d)", count[name], name, done.Job.Counts.Proposals)
		}
	}
	// Every consumer of the event (this test's and the notify service's)
	// continues the trace: each publish has at least one handling below it.
	handled := map[trace.SpanID]int{}
	for _, s := range tree {
		if s.Name == "process "+events.PairProposed {
			handled[s.Parent.SpanID()]++
		}
	}
	for id, s := range tree {
		if s.Name == "publish "+events.PairProposed && handled[id] == 0 {
			t.Errorf("publish span %s has no consumer span below it", id)
		}
	}
}

// post calls a gateway procedure with a JSON body and decodes the answer.
func post(t *testing.T, base, procedure, token string, body, into any) {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+procedure, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", procedure, res.StatusCode, got)
	}
	if err := json.Unmarshal(got, into); err != nil {
		t.Fatalf("%s: %v", procedure, err)
	}
}

// requestTrace returns the spans in the trace of the StartMatchingJob
// request's server span, by id, or nil while that span has not ended.
func requestTrace(all tracetest.SpanStubs) map[trace.SpanID]tracetest.SpanStub {
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
	tree := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range all {
		if s.SpanContext.TraceID() == root.SpanContext.TraceID() {
			tree[s.SpanContext.SpanID()] = s
		}
	}
	return tree
}

// dumpTree renders a trace as an indented tree of span names, for the
// test's log when an assertion fails.
func dumpTree(tree map[trace.SpanID]tracetest.SpanStub) string {
	kids := map[trace.SpanID][]tracetest.SpanStub{}
	var roots []tracetest.SpanStub
	for _, s := range tree {
		if _, ok := tree[s.Parent.SpanID()]; ok {
			kids[s.Parent.SpanID()] = append(kids[s.Parent.SpanID()], s)
		} else {
			roots = append(roots, s)
		}
	}
	var b strings.Builder
	var walk func(ss []tracetest.SpanStub, depth int)
	walk = func(ss []tracetest.SpanStub, depth int) {
		sort.Slice(ss, func(i, j int) bool { return ss[i].StartTime.Before(ss[j].StartTime) })
		for _, s := range ss {
			fmt.Fprintf(&b, "%s%s (%s)\n", strings.Repeat("  ", depth), s.Name, s.SpanKind)
			walk(kids[s.SpanContext.SpanID()], depth+1)
		}
	}
	walk(roots, 0)
	return b.String()
}
