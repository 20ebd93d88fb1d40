package store_test

import (
	"fmt"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRepo_WriteSpans: each write's span is named for its op and the
// bucket and carries the bucket's attributes, from the names and
// attributes the repo made once (ADR 0174), for writes one after another.
func TestRepo_WriteSpans(t *testing.T) {
	// Not parallel: it sets the global tracer provider, which the store uses.
	spans := tracetest.NewInMemoryExporter()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := mustOpen(t, n.JS, nil)
	for _, id := range []string{"p1", "p2"} {
		if _, err := r.Create(ctx, id, &facts{MunicipalityCode: "0180"}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := r.Update(ctx, id, func(v *facts, _ uint64) (store.Change, error) {
			v.MunicipalityCode = "0880"
			return nil, nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := r.Remove(ctx, id, false); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, s := range spans.GetSpans() {
		attrs := attribute.NewSet(s.Attributes...)
		sys, _ := attrs.Value("db.system.name")
		coll, _ := attrs.Value("db.collection.name")
		got = append(got, fmt.Sprintf("%s [%s %s]", s.Name, sys.AsString(), coll.AsString()))
	}
	var want []string
	for range 2 {
		for _, op := range []string{"create", "update", "remove"} {
			want = append(want, "store."+op+" people [nats_kv people]")
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("write spans\n got %q\nwant %q", got, want)
	}
}
