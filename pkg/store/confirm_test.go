package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/nats-io/nats.go/jetstream"
)

// TestRepo_ConfirmRefusesANewRecord: Config.Confirm's refusal of a new
// record (a volunteer's organisation removed meanwhile, ADR 0150) deletes
// it unpublished and is the caller's answer, from the writer, from a retry
// of a writer that died before Confirm, and from the relay; a later
// attempt of the same request that Confirm lets pass is created.
func TestRepo_ConfirmRefusesANewRecord(t *testing.T) {
	t.Parallel()
	gone := apperr.Errorf(apperr.FailedPrecondition, "the organisation is being removed")
	for _, path := range []string{"writer", "retry", "relay"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			n, ctx, s, confirm, _ := confirming(t, gone)
			build := createdBuild(t)
			r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
				c.Publisher = &jsPublisher{js: n.JS}
				c.Confirm = confirm
				c.RelayInterval = time.Hour
				if path != "writer" {
					// The writer dies after storing, before Confirm.
					c.Hooks = &store.Hooks{AfterRecord: func(string) error { return errors.New("crash") }}
				}
			})
			_, _, err := r.CreateOnce(ctx, "org/req-1", ids.UUIDv7{}.New, build)
			switch path {
			case "writer":
				if !errors.Is(err, gone) {
					t.Fatalf("create: %v, want %v", err, gone)
				}
			case "retry":
				r2 := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
					c.Publisher, c.Confirm, c.RelayInterval = &jsPublisher{js: n.JS}, confirm, time.Hour
				})
				if _, _, err := r2.CreateOnce(ctx, "org/req-1", ids.UUIDv7{}.New, build); !errors.Is(err, gone) {
					t.Fatalf("retry: %v, want %v", err, gone)
				}
			case "relay":
				r2 := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
					c.Publisher, c.Confirm = &jsPublisher{js: n.JS}, confirm
					c.RelayInterval, c.RelayGrace = 20*time.Millisecond, time.Millisecond
				})
				testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
					if got := r2.Len(); got != 0 {
						return fmt.Errorf("records %d, want the refused one deleted", got)
					}
					return nil
				})
			}
			if err := r.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if got := r.Len(); got != 0 {
				t.Errorf("records %d after the refusal, want 0", got)
			}
			if got := eventCount(ctx, t, s, "test.created"); got != 0 {
				t.Errorf("created events %d after the refusal, want 0", got)
			}
		})
	}
	t.Run("then-allowed", func(t *testing.T) {
		t.Parallel()
		n, ctx, s, confirm, refuse := confirming(t, gone)
		r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
			c.Publisher, c.Confirm = &jsPublisher{js: n.JS}, confirm
		})
		build := createdBuild(t)
		if _, _, err := r.CreateOnce(ctx, "org/req-1", ids.UUIDv7{}.New, build); !errors.Is(err, gone) {
			t.Fatalf("create: %v, want %v", err, gone)
		}
		refuse.Store(false)
		if _, _, err := r.CreateOnce(ctx, "org/req-1", ids.UUIDv7{}.New, build); err != nil {
			t.Fatalf("the request again, allowed: %v", err)
		}
		if got := eventCount(ctx, t, s, "test.created"); got != 1 {
			t.Errorf("created events %d, want 1", got)
		}
	})
}

// confirming is a server with the test stream, and a Confirm that answers
// gone while refuse holds (it does at first).
func confirming(t *testing.T, gone error) (*testutil.NATS, context.Context, jetstream.Stream,
	func(context.Context, *facts) error, *atomic.Bool) {
	t.Helper()
	n := testutil.MustNATS(t)
	refuse := &atomic.Bool{}
	refuse.Store(true)
	confirm := func(context.Context, *facts) error {
		if refuse.Load() {
			return gone
		}
		return nil
	}
	return n, testutil.Context(t), mustStream(t, n.JS), confirm, refuse
}
