package seal_test

import (
	"bytes"
	"testing"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/store/staletest"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestKeyringAsksTheLeaderBeforeNoKey: a data key made moments ago on
// another replica is missing on a replica that is behind (staletest), and
// this keyring's cache does not hold it (its watch could not add it: the
// cache is full). Opening data sealed with it must not fail as "erased":
// a miss is asked again of the stream leader (ADR 0119). The same for a
// person's key Seal needs (its create is refused as existing: before,
// "erased"), and for a blind-index key another replica created (before:
// Unavailable after three tries): the key is read from the leader. A hit, and a new person's key (made on a miss
// without asking), cost no leader read.
func TestKeyringAsksTheLeaderBeforeNoKey(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	a := sealtest.Keyring(t, n.JS, kek)
	// The replica has this key only; b's one cache slot holds it.
	if _, err := a.Seal(ctx, "p-other", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	nc2, js2 := n.Connect(t)
	b := sealtest.Open(t, js2, seal.Config{KEKs: []seal.KEK{kek}, CacheSize: 1})
	staletest.MustReplica(t, n.Conn, n.JS, seal.DefaultBucket, "p-other", false)
	leaderReads := staletest.LeaderGets(t, nc2, "data_keys")

	plain, aad := []byte("Amina Hassan"), []byte("participants/p-new")
	sealed, err := a.Seal(ctx, "p-new", plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Open(ctx, "p-new", sealed, aad)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open with a key made on another replica: %q, %v; want the data", got, err)
	}
	if n := leaderReads(); n != 1 {
		t.Fatalf("%d leader reads for a missed key, want 1", n)
	}
	if _, err := b.Open(ctx, "p-other", mustSeal(t, a, "p-other"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Seal(ctx, "p-fresh", []byte("y"), nil); err != nil {
		t.Fatal(err)
	}
	if n := leaderReads(); n != 1 {
		t.Fatalf("%d leader reads after a hit and a new key, want still 1", n)
	}

	// Sealing for a person whose key another replica made moments ago:
	// the create is refused as existing, and the key is read from the
	// leader (before: "erased").
	if _, err := a.Seal(ctx, "p-new2", []byte("z"), nil); err != nil {
		t.Fatal(err)
	}
	sealed, err = b.Seal(ctx, "p-new2", plain, aad)
	if err != nil {
		t.Fatalf("seal with a key made on another replica: %v", err)
	}
	if got, err := a.Open(ctx, "p-new2", sealed, aad); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("sealed with another key than the stored one: %q, %v", got, err)
	}
	if n := leaderReads(); n != 2 {
		t.Fatalf("%d leader reads after a refused create, want 2", n)
	}

	want, err := a.IndexKey(ctx, "participants")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.IndexKey(ctx, "participants"); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("index key made on another replica: %v; want the same key", err)
	}
}

// TestRewrapAsksTheLeaderBeforeSkipping: Rewrap lists every stored key and
// reads each; one the replica answering lacks (it is behind) was skipped
// as "shredded meanwhile", so once the old KEK was retired that person's
// data could never be opened (before ADR 0119: 1 of 2 keys rewrapped).
// The leader says whether it is gone.
func TestRewrapAsksTheLeaderBeforeSkipping(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	old, cur := sealtest.KEK(t), sealtest.KEK(t)
	k := sealtest.Keyring(t, n.JS, old)
	plain, aad := []byte("Amina Hassan"), []byte("participants/p-new")
	mustSeal(t, k, "p-other")
	sealed, err := k.Seal(ctx, "p-new", plain, aad)
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	// Made before the replica falls behind, as a running service's is: a
	// handle made after would read from the leader (direct gets are off).
	k = sealtest.Keyring(t, n.JS, cur, old)
	replica := staletest.MustReplica(t, n.Conn, n.JS, seal.DefaultBucket, "p-other", false)
	if got, err := k.Rewrap(ctx); err != nil || got != 2 {
		t.Fatalf("rewrap through a replica that lacks a key = %d, %v; want 2, nil", got, err)
	}
	k.Close()
	replica.Heal()
	k = sealtest.Keyring(t, n.JS, cur)
	if got, err := k.Open(ctx, "p-new", sealed, aad); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open with the new KEK alone: %q, %v", got, err)
	}
}

func mustSeal(t *testing.T, k *seal.Keyring, subject string) []byte {
	t.Helper()
	sealed, err := k.Seal(testutil.Context(t), subject, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return sealed
}
