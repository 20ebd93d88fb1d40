package telemetry

import (
	"context"
	"slices"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// TestPropagatorCarriesIdsOnly: a call that arrives with a tracestate and a
// baggage (free text a caller writes: ADR 0260 found an e-mail address so
// kept in a record and a stream) joins the trace but brings neither in, and
// what is written on carries the ids alone.
func TestPropagatorCarriesIdsOnly(t *testing.T) {
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	in := propagation.MapCarrier{
		"traceparent": "00-" + traceID + "-00f067aa0ba902b7-01",
		"tracestate":  "vendor=plantedstate",
		"baggage":     "email=planted%40example.org",
	}
	ctx := Propagator().Extract(context.Background(), in)
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || sc.TraceID().String() != traceID || !sc.IsRemote() {
		t.Fatalf("the trace was not joined: %v", sc)
	}
	if sc.TraceState().Len() != 0 {
		t.Errorf("tracestate taken up: %q", sc.TraceState().String())
	}
	if b := baggage.FromContext(ctx); b.Len() != 0 {
		t.Errorf("baggage taken up: %q", b.String())
	}

	// A context that holds both anyway (a library that set them) writes
	// the ids only.
	ts, err := trace.ParseTraceState("vendor=plantedstate")
	if err != nil {
		t.Fatal(err)
	}
	m, err := baggage.NewMember("email", "planted")
	if err != nil {
		t.Fatal(err)
	}
	b, err := baggage.New(m)
	if err != nil {
		t.Fatal(err)
	}
	ctx = baggage.ContextWithBaggage(trace.ContextWithSpanContext(context.Background(), sc.WithTraceState(ts)), b)
	out := propagation.MapCarrier{}
	Propagator().Inject(ctx, out)
	if got := out.Keys(); !slices.Equal(got, []string{"traceparent"}) {
		t.Errorf("written: %v (%v), want traceparent only", got, out)
	}
	if out.Get("traceparent") != in.Get("traceparent") {
		t.Errorf("traceparent %q, want %q", out.Get("traceparent"), in.Get("traceparent"))
	}
}
