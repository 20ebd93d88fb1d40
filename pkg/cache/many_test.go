package cache_test

import (
	"context"

	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/cache"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestLookupAndStoreMany: the batch forms in one round trip read what
// was stored (by them or by Get, and only that), Get reads what they stored, leave out what was not, and
// store nothing across an Invalidate, against both backends.
func TestLookupAndStoreMany(t *testing.T) {
	t.Parallel()
	newT := func() *benchv1.EchoRequest { return new(benchv1.EchoRequest) }
	for _, bk := range backends() {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			ctx := testutil.Context(t)
			c := cache.New(bk.new(t), cache.Options{Timeout: contractTimeout, Name: "many", Prefix: "many:"})
			// And the batch what Get stored.
			if _, err := cache.GetProto(ctx, c, "a", newT, func(context.Context) (*benchv1.EchoRequest, error) {
				return &benchv1.EchoRequest{Payload: []byte("A")}, nil
			}); err != nil {
				t.Fatal(err)
			}
			c.Mark().StoreProtos(ctx, map[string]proto.Message{"b": &benchv1.EchoRequest{Payload: []byte("B")}, "c": &benchv1.EchoRequest{Payload: []byte("C")}})
			got := cache.LookupProtos(ctx, c, []string{"a", "x", "b", "c"}, newT)
			if len(got) != 3 || string(got["a"].GetPayload()) != "A" || string(got["b"].GetPayload()) != "B" || string(got["c"].GetPayload()) != "C" {
				t.Fatalf("LookupProtos = %v, want a, b and c and not x", got)
			}
			// Get sees what the batch stored.
			g, err := cache.GetProto(ctx, c, "c", newT, func(context.Context) (*benchv1.EchoRequest, error) {
				t.Fatal("Get loaded a value the batch stored")
				return nil, nil
			})
			if err != nil || string(g.GetPayload()) != "C" {
				t.Errorf("Get(c) after StoreProtos = %v, %v; want C", g, err)
			}
			m := c.Mark()
			if err := c.Invalidate(ctx, "d"); err != nil {
				t.Fatal(err)
			}
			m.StoreProtos(ctx, map[string]proto.Message{"d": &benchv1.EchoRequest{Payload: []byte("stale")}})
			if got := cache.LookupProtos(ctx, c, []string{"d"}, newT); len(got) != 0 {
				t.Errorf("d stored across an Invalidate: %v", got)
			}
		})
	}
}
