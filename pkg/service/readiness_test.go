package service

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/kvwatch"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/store/leader"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNotReadyWhileAnIndexIsBehind: a service whose store opened short
// of its bucket (the first pass ended by ADR 0243's fallback) answered
// its readiness probe SERVING while its lists named part of the records.
// Its gRPC health (service "", what the Kubernetes probes ask) is now
// NOT_SERVING until the index has caught up, then SERVING (ADR 0255).
func TestNotReadyWhileAnIndexIsBehind(t *testing.T) {
	const bucket = "readinesspeople"
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	cfg := store.Config[*eventsv1.ParticipantFacts]{Bucket: bucket, New: func() *eventsv1.ParticipantFacts { return &eventsv1.ParticipantFacts{} }}
	w, err := store.Open(ctx, n.JS, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := w.Create(ctx, fmt.Sprintf("p%d", i), &eventsv1.ParticipantFacts{MunicipalityCode: "0180"}); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	last, _, err := leader.Last(ctx, n.JS, bucket)
	if err != nil {
		t.Fatal(err)
	}

	hs := health.NewServer()
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go followReadiness(rctx, hs)
	status := func() healthpb.HealthCheckResponse_ServingStatus {
		res, err := hs.Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		return res.GetStatus()
	}
	want := func(st healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
			if got := status(); got != st {
				return fmt.Errorf("health %s, want %s", got, st)
			}
			return nil
		})
	}
	want(healthpb.HealthCheckResponse_SERVING)

	remove := kvwatch.SetTestHooks(bucket, kvwatch.TestHooks{StuckWait: 300 * time.Millisecond,
		Drop: func(rev uint64) bool { return rev == last }})
	r, err := store.Open(ctx, n.JS, cfg)
	remove()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	want(healthpb.HealthCheckResponse_NOT_SERVING)

	w2, err := store.Open(ctx, n.JS, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w2.Close()
	if _, err := w2.Create(ctx, "p9", &eventsv1.ParticipantFacts{MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	want(healthpb.HealthCheckResponse_SERVING)
}
