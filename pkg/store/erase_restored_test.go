package store_test

import (
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/apperr"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestRepo_EraseRemovedRestoredRecord restores a person's sealed record
// from a backup taken before their erasure: the key is destroyed (the
// keyring re-applies the erasure log), so the record cannot be read, and
// the runbook's next step, erasing the id again, must remove the restored
// copy and publish the erasure again for every consumer. It was refused
// as "the record is not removed" (found under make up, ADR 0191).
func TestRepo_EraseRemovedRestoredRecord(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s := mustStream(t, n.JS)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Keyring, c.Publisher = sealtest.Keyring(t, n.JS), &jsPublisher{js: n.JS}
	})
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	const id = "person-restored"
	if _, err := r.Create(ctx, id, &facts{ParticipantId: id, Interests: []string{"marker-restored"}}); err != nil {
		t.Fatal(err)
	}
	backup := rawRecord(t, kv, id)
	if err := r.Remove(ctx, id, true, event(t, "test.erased", id)); err != nil {
		t.Fatal(err)
	}
	// The restore of the bucket brings the sealed entry back.
	if _, err := kv.Put(ctx, id, backup); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Get(ctx, id); apperr.ErrorCode(err) != apperr.NotFound {
		t.Fatalf("get of the restored record: %v, want NotFound (its key is destroyed)", err)
	}
	if err := r.EraseRemoved(ctx, id, event(t, "test.erased", id)); err != nil {
		t.Fatalf("erase again after the restore: %v", err)
	}
	if _, err := kv.Get(ctx, id); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("the restored entry is still in the bucket: %v", err)
	}
	info, err := s.Info(ctx, jetstream.WithSubjectFilter("test.erased"))
	if err != nil {
		t.Fatal(err)
	}
	if got := info.State.Msgs; got != 2 {
		t.Fatalf("erasure events = %d, want 2 (the first erasure and its repetition)", got)
	}
	// A live record is still refused.
	if _, err := r.Create(ctx, "person-live", &facts{ParticipantId: "person-live"}); err != nil {
		t.Fatal(err)
	}
	if err := r.EraseRemoved(ctx, "person-live"); apperr.ErrorCode(err) != apperr.FailedPrecondition {
		t.Fatalf("erase of a live record: %v, want FailedPrecondition", err)
	}
}

// TestRepo_EraseWithoutPublisherPurges: a repository that publishes no
// events (dinners' offers and sign-ups, notify's messages and links)
// erases a record sealed for a person. The entry must go; it stayed as a
// removed entry naming the person in clear, for good (found under make
// up, ADR 0191).
func TestRepo_EraseWithoutPublisherPurges(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	r := mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Keyring = sealtest.Keyring(t, n.JS)
		c.Subject = func(_ string, f *facts) string { return f.GetParticipantId() }
	})
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"offer-erased", "offer-deleted"} {
		if _, err := r.Create(ctx, id, &facts{ParticipantId: "person-" + id}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Remove(ctx, "offer-erased", true); err != nil {
		t.Fatal(err)
	}
	if e, err := kv.Get(ctx, "offer-erased"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("the erased record's entry is still in the bucket: %v, %v", e, err)
	}
	if err := r.Remove(ctx, "offer-deleted", false); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "offer-deleted"); !errors.Is(err, jetstream.ErrKeyDeleted) && !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("the deleted record's entry: %v, want it deleted", err)
	}
	if _, _, err := r.Get(ctx, "offer-deleted"); apperr.ErrorCode(err) != apperr.NotFound {
		t.Fatalf("get of the deleted record: %v, want NotFound", err)
	}
}

// TestRepo_UnfinishedErasureIsFoundAgain: a removed entry an erasure left
// unpurged (as a repository without a publisher did before ADR 0191) is
// listed by Unreadable for its person when a replica loads the bucket, so
// the service's repeated erasure of that person purges it.
func TestRepo_UnfinishedErasureIsFoundAgain(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	mod := func(c *store.Config[*facts]) {
		c.Keyring = sealtest.Keyring(t, n.JS)
		c.Subject = func(_ string, f *facts) string { return f.GetParticipantId() }
	}
	mustOpen(t, n.JS, mod) // creates the bucket
	kv, err := n.JS.KeyValue(ctx, "people")
	if err != nil {
		t.Fatal(err)
	}
	left, err := proto.Marshal(&storev1.Record{Removed: true, Purge: true, Subject: "person-left"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "offer-left", left); err != nil {
		t.Fatal(err)
	}
	r := mustOpen(t, n.JS, mod)
	if got := r.Unreadable("person-left"); len(got) != 1 || got[0].Key != "offer-left" {
		t.Fatalf("Unreadable = %v, want the unfinished entry", got)
	}
	if err := r.Remove(ctx, "offer-left", true); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "offer-left"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("the unfinished entry after the repeated erasure: %v, want it purged", err)
	}
}
