package seal_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// has reports whether bucket holds a key (not a marker) for subject.
func has(t *testing.T, js jetstream.JetStream, bucket, subject string) bool {
	t.Helper()
	return slices.Contains(sealtest.KeyHolders(t, js, subject), bucket)
}

// TestOwners: an owner's keyring creates keys in its own bucket, reads
// another owner's keys and the shared bucket's of before (cached and
// not), and shreds only what it owns: dinners "shredding" a participant
// logs it in dinners' own space and leaves the participant's key, which a
// restart of participants does not re-apply either; participants' shred
// reaches dinners' cache, and the owner shreds its key of before in the
// shared bucket. Its index key of before is kept.
func TestOwners(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)

	// Before the owners' buckets: a key and an index key in the shared one.
	before := sealtest.Keyring(t, n.JS, kek)
	oldSealed, err := before.Seal(ctx, "p-old", []byte("Amina"), nil)
	if err != nil {
		t.Fatal(err)
	}
	oldIndex, err := before.IndexKey(ctx, "participants")
	if err != nil {
		t.Fatal(err)
	}

	p := sealtest.Owner(t, n.JS, kek, "participants")
	d := sealtest.Owner(t, n.JS, kek, "dinners")
	coldCfg := sealtest.OwnerConfig(kek, "dinners")
	coldCfg.CacheSize = 1 // every other key a miss
	cold := sealtest.Open(t, n.JS, coldCfg)
	sealed, err := p.Seal(ctx, "p-1", []byte("Bashir"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !has(t, n.JS, seal.OwnerBucket("participants"), "p-1") || has(t, n.JS, seal.DefaultBucket, "p-1") {
		t.Error("participants' new key is not in its own bucket alone")
	}
	if _, err := d.Seal(ctx, "jobdata-1", []byte("snapshot"), nil); err != nil {
		t.Fatal(err)
	}
	if !has(t, n.JS, seal.OwnerBucket("dinners"), "jobdata-1") {
		t.Error("dinners' job data key is not in its own bucket")
	}
	for _, k := range []*seal.Keyring{d, cold, cold} {
		if got, err := k.Open(ctx, "p-1", sealed, nil); err != nil || string(got) != "Bashir" {
			t.Errorf("dinners opening participants' key: %q %v", got, err)
		}
		if got, err := k.Open(ctx, "p-old", oldSealed, nil); err != nil || string(got) != "Amina" {
			t.Errorf("dinners opening a key of before: %q %v", got, err)
		}
	}
	if got, err := p.IndexKey(ctx, "participants"); err != nil || !bytes.Equal(got, oldIndex) {
		t.Errorf("participants' index key of before not kept: %v", err)
	}

	// Dinners cannot shred what it does not own: its erasure is its own.
	if err := d.Shred(ctx, "p-1"); err != nil {
		t.Fatal(err)
	}
	again := sealtest.Owner(t, n.JS, kek, "participants") // a restart re-applies its own erasures only
	for _, k := range []*seal.Keyring{p, again} {
		if got, err := k.Open(ctx, "p-1", sealed, nil); err != nil || string(got) != "Bashir" {
			t.Errorf("participants' key after dinners' shred: %q %v", got, err)
		}
	}

	// The owner's shred reaches every reader, its key of before too.
	for _, id := range []string{"p-1", "p-old"} {
		if err := p.Shred(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if has(t, n.JS, seal.OwnerBucket("participants"), "p-1") || has(t, n.JS, seal.DefaultBucket, "p-old") {
		t.Error("a shredded key is still stored")
	}
	erasures, err := n.JS.Stream(ctx, seal.DefaultErasureStream)
	if err != nil {
		t.Fatal(err)
	}
	for _, logged := range []string{"erasure.dinners.p-1", "erasure.participants.p-1", "erasure.participants.p-old"} {
		if _, err := erasures.GetLastMsgForSubject(ctx, logged); err != nil {
			t.Errorf("%s not in the erasure log: %v", logged, err)
		}
	}
	testutil.CheckFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		for _, id := range []string{"p-1", "p-old"} {
			s := sealed
			if id == "p-old" {
				s = oldSealed
			}
			if _, err := d.Open(ctx, id, s, nil); !seal.IsShredded(err) {
				return err
			}
		}
		return nil
	})
}

// TestOwnersReapplyTheirOwnErasures: after a restore, an owner's start
// erases again the keys its own erasure log space names, and not one an
// entry in another owner's space names (which that owner's user could
// not have written for it).
func TestOwnersReapplyTheirOwnErasures(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)
	p := sealtest.Owner(t, n.JS, kek, "participants")
	var sealed [2][]byte
	for i, id := range []string{"p-3", "p-4"} {
		var err error
		if sealed[i], err = p.Seal(ctx, id, []byte("Cyrus"), nil); err != nil {
			t.Fatal(err)
		}
	}
	// The restored log holds participants' erasure of p-3, and one of
	// p-4 in dinners' space.
	for _, subject := range []string{"erasure.participants.p-3", "erasure.dinners.p-4"} {
		if _, err := n.JS.Publish(ctx, subject, []byte("2026-12-06T00:00:00Z")); err != nil {
			t.Fatal(err)
		}
	}
	restarted := sealtest.Owner(t, n.JS, kek, "participants")
	if _, err := restarted.Open(ctx, "p-3", sealed[0], nil); !seal.IsShredded(err) {
		t.Errorf("p-3, erased by participants: %v, want shredded", err)
	}
	if _, err := restarted.Open(ctx, "p-4", sealed[1], nil); err != nil {
		t.Errorf("p-4, in dinners' space only: %v, want kept", err)
	}
}
