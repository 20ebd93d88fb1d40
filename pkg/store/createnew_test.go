package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// fixedID is a newID that gives id.
func fixedID(id string) func() string { return func() string { return id } }

// lastSeq is the last sequence of stream name: every message it stored.
func lastSeq(ctx context.Context, t *testing.T, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq
}

// TestRepo_CreateNew: a create without a request id is one write of its
// record, which carries no request key, and its event; the requests
// bucket is not touched, and a used id is AlreadyExists (ADR 0177).
func TestRepo_CreateNew(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher = &jsPublisher{js: n.JS}
		c.MarkInterval = time.Hour // no mark among the writes counted
	})
	records, requests := lastSeq(ctx, t, n.JS, "KV_people"), lastSeq(ctx, t, n.JS, "KV_people_requests")
	const creates = 5
	for range creates {
		v, _, err := r.CreateNew(ctx, ids.UUIDv7{}.New, createdBuild(t))
		if err != nil {
			t.Fatalf("create: %v", err)
		}
		kv, err := n.JS.KeyValue(ctx, "people")
		if err != nil {
			t.Fatal(err)
		}
		var rec storev1.Record
		if err := proto.Unmarshal(rawRecord(t, kv, v.GetParticipantId()), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.GetRequestKey() != "" || rec.GetCreatedRevision() != 0 {
			t.Errorf("stored request key %q, created revision %d; want none", rec.GetRequestKey(), rec.GetCreatedRevision())
		}
	}
	if got := lastSeq(ctx, t, n.JS, "KV_people") - records; got != creates {
		t.Errorf("record writes %d for %d creates, want one each", got, creates)
	}
	if got := lastSeq(ctx, t, n.JS, "KV_people_requests") - requests; got != 0 {
		t.Errorf("requests bucket writes %d, want none", got)
	}
	testutil.CheckFor(t, 5*time.Second, 10*time.Millisecond, func() error {
		if got := eventCount(ctx, t, s, "test.created"); got != creates {
			return fmt.Errorf("created events %d, want %d", got, creates)
		}
		return nil
	})
	id := ids.UUIDv7{}.New()
	if _, _, err := r.CreateNew(ctx, fixedID(id), createdBuild(t)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.CreateNew(ctx, fixedID(id), createdBuild(t)); apperr.ErrorCode(err) != apperr.AlreadyExists {
		t.Errorf("create under a used id: %v, want AlreadyExists", err)
	}
	if got := r.Len(); got != creates+1 {
		t.Errorf("records %d, want %d", got, creates+1)
	}
}

// TestRepo_CreateNewAsksConfirm: Config.Confirm's refusal of a record
// CreateNew stored deletes it unpublished and is the answer, from the
// writer and, when the writer died before asking, from the relay; a
// consent the relay gets publishes it once (ADR 0177, as ADR 0150 for
// CreateOnce).
func TestRepo_CreateNewAsksConfirm(t *testing.T) {
	t.Parallel()
	gone := errGone
	for _, path := range []string{"writer", "relay-refused", "relay-allowed"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			n, ctx, s, confirm, refuse := confirming(t, gone)
			r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
				c.Publisher, c.Confirm, c.RelayInterval = &jsPublisher{js: n.JS}, confirm, time.Hour
				if path != "writer" {
					// The writer dies after storing, before Confirm.
					c.Hooks = &store.Hooks{AfterRecord: func(string) error { return errors.New("crash") }}
				}
			})
			_, _, err := r.CreateNew(ctx, ids.UUIDv7{}.New, createdBuild(t))
			want := 0
			switch path {
			case "writer":
				if !errors.Is(err, gone) {
					t.Fatalf("create: %v, want %v", err, gone)
				}
			default:
				if err == nil {
					t.Fatal("create answered OK by a writer that died")
				}
				if path == "relay-allowed" {
					refuse.Store(false)
					want = 1
				}
				r2 := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
					c.Publisher, c.Confirm = &jsPublisher{js: n.JS}, confirm
					c.RelayInterval, c.RelayGrace = 20*time.Millisecond, time.Millisecond
				})
				testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
					if got := eventCount(ctx, t, s, "test.created"); got != want {
						return fmt.Errorf("created events %d, want %d", got, want)
					}
					if got := r2.Len(); got != want {
						return fmt.Errorf("records %d, want %d", got, want)
					}
					return nil
				})
			}
			if err := r.Sync(ctx); err != nil {
				t.Fatal(err)
			}
			if got := r.Len(); got != want {
				t.Errorf("records %d, want %d", got, want)
			}
			if got := eventCount(ctx, t, s, "test.created"); got != want {
				t.Errorf("created events %d, want %d", got, want)
			}
		})
	}
}

// TestRepo_CreateNewUpdateIsNotConfirmed: a record CreateNew stored and
// announced is updated, and the update's writer dies before publishing.
// Confirm now refuses (its organisation is going), but it is a check of
// a create: the relay publishes the update and the record stays. Every
// rewrite keeps the record's created revision, so the relay tells the
// update from the create's own entry also without a request key; before
// it did, the relay took the update for an unconfirmed create and
// deleted a record that was answered and announced.
func TestRepo_CreateNewUpdateIsNotConfirmed(t *testing.T) {
	t.Parallel()
	n, ctx, s, confirm, refuse := confirming(t, errGone)
	refuse.Store(false)
	var crash atomic.Bool
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher, c.Confirm, c.RelayInterval = &jsPublisher{js: n.JS}, confirm, time.Hour
		c.Hooks = &store.Hooks{AfterWrite: func(string) error {
			if crash.Load() {
				return errors.New("crash")
			}
			return nil
		}}
	})
	if _, _, err := r.CreateNew(ctx, fixedID("p1"), createdBuild(t)); err != nil {
		t.Fatal(err)
	}
	crash.Store(true)
	if err := moveTo(ctx, t, r, "org-2"); err != nil {
		t.Fatal(err)
	}
	refuse.Store(true)
	r2 := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Publisher, c.Confirm = &jsPublisher{js: n.JS}, confirm
		c.RelayInterval, c.RelayGrace = 20*time.Millisecond, time.Millisecond
	})
	testutil.CheckFor(t, 5*time.Second, 20*time.Millisecond, func() error {
		if got := eventCount(ctx, t, s, "test.updated"); got != 1 {
			return fmt.Errorf("updated events %d, want the relay to publish 1", got)
		}
		return nil
	})
	if err := r2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := r2.Len(); got != 1 {
		t.Errorf("records %d, want the updated one kept", got)
	}
	if got := eventCount(ctx, t, s, "test.created"); got != 1 {
		t.Errorf("created events %d, want 1", got)
	}
	if rec, _ := storedEntry(ctx, t, n.JS); rec.GetRemoved() || rec.GetCreatedRevision() == 0 {
		t.Errorf("entry removed %v, created revision %d; want it standing with its created revision", rec.GetRemoved(), rec.GetCreatedRevision())
	}
}
