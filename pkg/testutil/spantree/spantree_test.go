package spantree

import (
	"context"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// TestTree_FromOTel: spans recorded by the real SDK come out as one tree
// per trace, with the request as the only root, each span below its
// ancestors and not below its siblings, names counted, attributes kept,
// and a rendering that shows the nesting.
func TestTree_FromOTel(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "gateway"))))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tr := tp.Tracer("spantree")
	ctx, req := tr.Start(context.Background(), "POST /x", trace.WithSpanKind(trace.SpanKindServer))
	wctx, write := tr.Start(ctx, "store.create")
	for range 2 {
		_, pub := tr.Start(wctx, "publish x", trace.WithSpanKind(trace.SpanKindProducer),
			trace.WithAttributes(attribute.String("messaging.system", "nats")))
		pub.End()
	}
	write.End()
	_, other := tr.Start(ctx, "jobs.run")
	other.End()
	req.End()
	_, unrelated := tr.Start(context.Background(), "elsewhere")
	unrelated.End()

	tree := New(FromOTel(exp.GetSpans(), req.SpanContext().TraceID().String()))
	if got, want := tree.Len(), 5; got != want {
		t.Fatalf("%d spans in the trace, want %d", got, want)
	}
	roots := tree.Roots()
	if len(roots) != 1 || roots[0].Name != "POST /x" || roots[0].Parent != "" || roots[0].Kind != "server" {
		t.Fatalf("roots %+v, want only the server span POST /x", roots)
	}
	pubs := tree.Named("publish x")
	if got := tree.Count()["publish x"]; got != 2 || len(pubs) != 2 {
		t.Fatalf("%d publishes counted, %d named, want 2", got, len(pubs))
	}
	run := tree.Named("jobs.run")[0]
	for _, p := range pubs {
		if !tree.Under(p, roots[0].ID) || !tree.Under(p, write.SpanContext().SpanID().String()) {
			t.Errorf("publish %s is not below the request and the write", p.ID)
		}
		if tree.Under(p, run.ID) {
			t.Errorf("publish %s counted below its parent's sibling", p.ID)
		}
		if p.Attr("messaging.system") != "nats" || p.Kind != "producer" {
			t.Errorf("publish %s: attributes %v, kind %q", p.ID, p.Attrs, p.Kind)
		}
	}
	if got := len(tree.Kids(write.SpanContext().SpanID().String())); got != 2 {
		t.Errorf("the write has %d children, want 2", got)
	}
	if s := tree.String(); !strings.HasPrefix(s, "gateway: POST /x (server)\n  gateway: store.create") ||
		!strings.Contains(s, "\n    gateway: publish x (producer)\n") {
		t.Errorf("rendering does not show the nesting:\n%s", s)
	}
}

// TestTree_RootsAndCycles: a span whose parent is missing is a root (a
// process whose batch has not arrived), and a cycle ends Under instead of
// looping.
func TestTree_RootsAndCycles(t *testing.T) {
	tree := New([]Span{{ID: "a"}, {ID: "b", Parent: "a"}, {ID: "c", Parent: "gone"}, {ID: "x", Parent: "y"}, {ID: "y", Parent: "x"}})
	var roots []string
	for _, r := range tree.Roots() {
		roots = append(roots, r.ID)
	}
	if got := strings.Join(roots, ","); got != "a,c" {
		t.Errorf("roots %s, want a,c", got)
	}
	x, _ := tree.Span("x")
	if tree.Under(x, "a") {
		t.Error("x is not below a")
	}
	b, _ := tree.Span("b")
	if !tree.Under(b, "a") || !tree.Under(b, "b") {
		t.Error("b is below a and itself")
	}
}
