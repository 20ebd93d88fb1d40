package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestRepo_ClaimsItsPeoplesKeys (ADR 0238): a store keyed by its people,
// opened with its owner's keyring over records sealed before owner
// buckets, moves their keys into the owner's bucket once loaded, and they
// read as before; a store about another's person (Config.Subject) moves
// none.
func TestRepo_ClaimsItsPeoplesKeys(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	before := sealtest.Keyring(t, n.JS, kek)
	old := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Keyring = before })
	for _, id := range []string{"p-1", "p-2", "p-3"} {
		if _, err := old.Create(ctx, id, &facts{ParticipantId: id, MunicipalityCode: "0180"}); err != nil {
			t.Fatal(err)
		}
	}
	// Dinners' sign-ups name p-3: dinners does not own p-3's key.
	mustOpen(t, n.JS, func(c *store.Config[*facts]) {
		c.Bucket, c.Keyring = "signups", sealtest.Owner(t, n.JS, kek, "dinners")
		c.Subject = func(_ string, f *facts) string { return f.GetParticipantId() }
	})
	if got := sealtest.KeyHolders(t, n.JS, "p-3"); !slices.Equal(got, []string{seal.DefaultBucket}) {
		t.Errorf("p-3's key after dinners' store opened: %v, want the shared bucket alone", got)
	}
	mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Keyring = sealtest.Owner(t, n.JS, kek, "participants") })
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		for _, id := range []string{"p-1", "p-2", "p-3"} {
			if got := sealtest.KeyHolders(t, n.JS, id); !slices.Equal(got, []string{seal.OwnerBucket("participants")}) {
				return fmt.Errorf("%s's key is in %v", id, got)
			}
		}
		return nil
	})
	fresh := mustOpen(t, n.JS, func(c *store.Config[*facts]) { c.Keyring = sealtest.Owner(t, n.JS, kek, "participants") })
	for _, id := range []string{"p-1", "p-2", "p-3"} {
		if got, _, err := fresh.Get(ctx, id); err != nil || got.GetParticipantId() != id {
			t.Errorf("%s after the claim: %v %v", id, got, err)
		}
	}
}
