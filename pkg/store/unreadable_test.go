package store_test

import (
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestRepo_UnreadableAfterShred (ADR 0162): records sealed with a person's
// key, kept under other keys, whose key was shredded before a replica's
// index loaded them, are not in that index but are listed by Unreadable
// with the ids stored beside the seal, until they are purged; a replica
// whose index had them before the shred keeps them and lists none.
func TestRepo_UnreadableAfterShred(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kr := sealtest.Keyring(t, n.JS)
	mod := func(c *store.Config[*facts]) {
		c.Keyring = kr
		c.Subject = func(_ string, f *facts) string { return f.GetParticipantId() }
		c.AlsoSealFor = func(_ string, f *facts) string { return f.GetOrganisationId() }
		c.AlsoSealFields = []string{"interests"}
	}
	before := mustOpen(t, n.JS, mod)
	for _, k := range []string{"pair-2", "pair-1"} {
		if _, err := before.Create(ctx, k, &facts{ParticipantId: "newcomer-1", OrganisationId: "mentor-" + k, MunicipalityCode: "0180", Interests: []string{"chess"}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := before.Create(ctx, "pair-3", &facts{ParticipantId: "newcomer-2", MunicipalityCode: "0180"}); err != nil {
		t.Fatal(err)
	}
	if err := kr.Shred(ctx, "newcomer-1"); err != nil {
		t.Fatal(err)
	}
	after := mustOpen(t, n.JS, mod)
	want := []store.Unreadable{{Key: "pair-1", Subject: "newcomer-1", Named: "mentor-pair-1"}, {Key: "pair-2", Subject: "newcomer-1", Named: "mentor-pair-2"}}
	if got := after.Unreadable("newcomer-1"); !slices.Equal(got, want) {
		t.Errorf("Unreadable after the shred = %v, want %v", got, want)
	}
	if got := after.Unreadable("newcomer-2"); len(got) != 0 {
		t.Errorf("Unreadable of a person not erased = %v", got)
	}
	if got := before.Unreadable("newcomer-1"); len(got) != 0 {
		t.Errorf("a replica that indexed the records before the shred lists %v", got)
	}
	if err := after.Remove(ctx, "pair-1", true); err != nil {
		t.Fatal(err)
	}
	if err := after.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if got := after.Unreadable("newcomer-1"); !slices.Equal(got, want[1:]) {
		t.Errorf("Unreadable after purging pair-1 = %v, want %v", got, want[1:])
	}
}
