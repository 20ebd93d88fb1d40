package cache_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/cache"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestEvictAsync: an eviction reaches every backend; the in-process one
// has deleted the key when EvictAsync returns (no goroutine per change),
// Redis a moment later, off the caller's path.
func TestEvictAsync(t *testing.T) {
	t.Parallel()
	for _, bk := range backends() {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			ctx := testutil.Context(t)
			c := cache.New(bk.new(t), cache.Options{Timeout: contractTimeout, Name: "evict", Prefix: "evict:"})
			get := func(v string) string {
				got, err := c.Get(ctx, "k", func(context.Context) ([]byte, error) { return []byte(v), nil })
				if err != nil {
					t.Fatal(err)
				}
				return string(got)
			}
			if got := get("old"); got != "old" {
				t.Fatalf("first Get = %q", got)
			}
			c.EvictAsync("k")
			if bk.name == "memory" {
				if got := get("new"); got != "new" {
					t.Fatalf("Get right after EvictAsync = %q, want the reloaded %q", got, "new")
				}
				return
			}
			testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
				if got := get("new"); got != "new" {
					return fmt.Errorf("Get after EvictAsync = %q, want %q", got, "new")
				}
				return nil
			})
		})
	}
}
