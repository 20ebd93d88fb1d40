package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/motesplats/motesplats/pkg/auth"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestServicePort_KeepsNoBaggageOrTracestate: a call that reaches a
// service's own gRPC port (an operator's script with a token, from inside)
// with a tracestate and a baggage joins the sender's trace, as calls between
// the services do, but keeps neither: before, the global propagator took
// both up and the store kept them in clear in the record's outbox trace
// and the event's headers, beyond any erasure (ADR 0260 closed the
// gateway's edge; this is telemetry.Propagator, the same for every port).
func TestServicePort_KeepsNoBaggageOrTracestate(t *testing.T) {
	spans := tracetest.NewInMemoryExporter()
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	cfg.spans, cfg.logs = spans, &testutil.LogBuffer{}
	l, _, _ := startStack(t, cfg)
	// A bare client: grpcx.Dial's own client span would write a
	// traceparent of its own over the sender's.
	var tok bytes.Buffer
	if err := token(cfg, nil, &tok); err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(l.Addr("volunteers"), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(auth.PerRPCCredentials(auth.StaticToken(strings.TrimSpace(tok.String())))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })

	const (
		traceID  = "5cf92f3577b34da6a3ce929d0e0e4737"
		state    = "zxqportstates47"
		bagged   = "zxqportbaggages47"
		bagEmail = "zxqportmails47"
	)
	ctx := metadata.AppendToOutgoingContext(testutil.Context(t),
		"traceparent", "00-"+traceID+"-00f067aa0ba902b7-01",
		"tracestate", "vendor="+state,
		"baggage", "planted="+bagged+",email="+bagEmail+"%40example.org")
	_, err = volunteersv1.NewVolunteerServiceClient(conn).CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{
		RequestId: "port-1",
		Organisation: &volunteersv1.Organisation{Name: "Portens förening", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION,
			MunicipalityCodes: []string{"0880"}},
	})
	if err != nil {
		t.Fatalf("CreateOrganisation: %v", err)
	}

	// The write is durable when it answers; the event's publish may follow.
	found := markersOnDisk(t, dir, state, bagged, bagEmail)
	for _, f := range found {
		t.Errorf("a caller's tracestate or baggage is kept on disk: %s", f)
	}
	// The service's spans end after its answer: wait for them.
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		for _, s := range spans.GetSpans() {
			if s.SpanContext.TraceID().String() == traceID {
				return nil
			}
		}
		return errors.New("no span joined the caller's trace: a service's port must still follow traceparent, as calls between the services do")
	})
	for _, s := range spans.GetSpans() {
		if ts := s.SpanContext.TraceState().String(); strings.Contains(ts, state) {
			t.Errorf("span %q carries the sender's tracestate %q", s.Name, ts)
		}
	}
}
