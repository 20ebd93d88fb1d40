package cache_test

import (
	"context"

	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/cache"
	benchv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/bench/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestLookupAndMark: a batch's look-up finds only what was stored, loads
// nothing itself, shares values with Get, and a value loaded across an
// Invalidate is not stored (an erasure between the look-up and the store
// must not bring the erased value back), against both backends.
func TestLookupAndMark(t *testing.T) {
	t.Parallel()
	newT := func() *benchv1.EchoRequest { return new(benchv1.EchoRequest) }
	for _, bk := range backends() {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			ctx := testutil.Context(t)
			c := cache.New(bk.new(t), cache.Options{Timeout: contractTimeout, Name: "lookup", Prefix: "lookup:"})
			if _, ok := cache.LookupProto(ctx, c, "a", newT); ok {
				t.Fatal("a found before anything was stored")
			}
			m := c.Mark()
			m.StoreProto(ctx, "a", &benchv1.EchoRequest{Payload: []byte("A")})
			got, ok := cache.LookupProto(ctx, c, "a", newT)
			if !ok || string(got.GetPayload()) != "A" {
				t.Fatalf("a after the store: %v %v, want A", got, ok)
			}
			// Get sees what the batch stored, and the batch what Get did.
			g, err := cache.GetProto(ctx, c, "a", newT, func(context.Context) (*benchv1.EchoRequest, error) {
				t.Fatal("Get loaded a value the batch stored")
				return nil, nil
			})
			if err != nil || !proto.Equal(g, got) {
				t.Fatalf("Get(a) = %v, %v", g, err)
			}

			m = c.Mark()
			if err := c.Invalidate(ctx, "b"); err != nil {
				t.Fatal(err)
			}
			m.StoreProto(ctx, "b", &benchv1.EchoRequest{Payload: []byte("stale")})
			if v, ok := cache.LookupProto(ctx, c, "b", newT); ok {
				t.Errorf("b stored across an Invalidate: %v", v)
			}
			c.Mark().StoreProto(ctx, "b", &benchv1.EchoRequest{Payload: []byte("B")})
			if v, ok := cache.LookupProto(ctx, c, "b", newT); !ok || string(v.GetPayload()) != "B" {
				t.Errorf("b after a store marked after the Invalidate: %v %v, want B", v, ok)
			}
		})
	}
}

// TestLookupAndStoreMany: the batch forms in one round trip read what
// was stored (by either form, and only that), leave out what was not, and
// store nothing across an Invalidate, against both backends.
func TestLookupAndStoreMany(t *testing.T) {
	t.Parallel()
	newT := func() *benchv1.EchoRequest { return new(benchv1.EchoRequest) }
	for _, bk := range backends() {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			ctx := testutil.Context(t)
			c := cache.New(bk.new(t), cache.Options{Timeout: contractTimeout, Name: "many", Prefix: "many:"})
			c.Mark().StoreProto(ctx, "a", &benchv1.EchoRequest{Payload: []byte("A")})
			c.Mark().StoreProtos(ctx, map[string]proto.Message{"b": &benchv1.EchoRequest{Payload: []byte("B")}, "c": &benchv1.EchoRequest{Payload: []byte("C")}})
			got := cache.LookupProtos(ctx, c, []string{"a", "x", "b", "c"}, newT)
			if len(got) != 3 || string(got["a"].GetPayload()) != "A" || string(got["b"].GetPayload()) != "B" || string(got["c"].GetPayload()) != "C" {
				t.Fatalf("LookupProtos = %v, want a, b and c and not x", got)
			}
			if v, ok := cache.LookupProto(ctx, c, "c", newT); !ok || string(v.GetPayload()) != "C" {
				t.Errorf("c stored by StoreProtos, read alone: %v %v", v, ok)
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
