package pool_test

import (
	"slices"
	"testing"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSideErasureOfSomeoneNeverSeen: after a restore from a backup taken
// before a person's erasure, the feed cannot open their sealed events (the
// keyring destroyed their key again), so the pool never saw them; their
// programme records came back with the backup. The runbook's repeated
// erasure must still reach Leave, which finds those records (unreadable)
// and removes them. Leave was not called for someone not in the pool
// (found under make up, ADR 0191). A deletion of someone never seen stays
// silent.
func TestSideErasureOfSomeoneNeverSeen(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	s, leaves := side(t)
	deleted := event(t, "e1", 1, &eventsv1.ParticipantDeleted{ParticipantId: "p-1"})
	if err := s.HandleLeave(ctx, deleted); err != nil {
		t.Fatal(err)
	}
	if got := leaves(); len(got) != 0 {
		t.Fatalf("a deletion of someone never seen: leaves %v, want none", got)
	}
	erased := event(t, "e2", 2, &eventsv1.ParticipantErased{ParticipantId: "p-1"})
	if err := s.HandleLeave(ctx, erased); err != nil {
		t.Fatal(err)
	}
	if got := leaves(); !slices.Equal(got, []string{"p-1 erased=true"}) {
		t.Fatalf("an erasure of someone never seen: leaves %v, want [p-1 erased=true]", got)
	}
}
