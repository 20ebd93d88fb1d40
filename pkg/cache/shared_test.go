package cache_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/motesplats/motesplats/pkg/cache"
)

// opaque hides the in-process backend's extra methods, as Redis lacks them.
type opaque struct{ cache.Backend }

func TestGetProtoShared(t *testing.T) {
	t.Parallel()
	c := cache.New(cache.NewMemory(10), cache.Options{Name: "shared"})
	ctx := context.Background()
	loads := 0
	load := func(context.Context) (*wrapperspb.StringValue, error) {
		loads++
		return wrapperspb.String(fmt.Sprintf("v%d", loads)), nil
	}
	newT := func() *wrapperspb.StringValue { return &wrapperspb.StringValue{} }
	a, err := cache.GetProtoShared(ctx, c, "k", newT, load)
	if err != nil || a.GetValue() != "v1" {
		t.Fatalf("first=%v,%v", a, err)
	}
	b, _ := cache.GetProtoShared(ctx, c, "k", newT, load)
	d, _ := cache.GetProtoShared(ctx, c, "k", newT, load)
	if b.GetValue() != "v1" || b != d {
		t.Fatalf("hits=%v,%v: want the same decoded message", b, d)
	}
	if err := c.Invalidate(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	e, _ := cache.GetProtoShared(ctx, c, "k", newT, load)
	if e.GetValue() != "v2" || loads != 2 {
		t.Fatalf("after invalidate=%v loads=%d, want v2 and 2 loads", e, loads)
	}
	plain := cache.New(opaque{cache.NewMemory(10)}, cache.Options{Name: "plain"})
	f, _ := cache.GetProtoShared(ctx, plain, "k", newT, load)
	g, _ := cache.GetProtoShared(ctx, plain, "k", newT, load)
	if f.GetValue() != g.GetValue() || f == g {
		t.Fatalf("a backend without decoded values shared a message: %p %p", f, g)
	}
}
