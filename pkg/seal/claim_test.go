package seal_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// legacyState says what the shared bucket holds for subject: "key",
// "marker" or "none".
func legacyState(t *testing.T, js jetstream.JetStream, subject string) string {
	t.Helper()
	ctx := testutil.Context(t)
	hist, err := sealtest.Bucket(t, js, seal.DefaultBucket).History(ctx, subject)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return "none"
	case err != nil:
		t.Fatal(err)
	case hist[len(hist)-1].Operation() == jetstream.KeyValuePut:
		return "key"
	}
	return "marker"
}

// TestClaim (ADR 0238): an owner moves its keys of before from the shared
// bucket into its own, leaving no marker there (a fresh dinners keyring
// and participants' own still read the person); an erased person's marker
// stays; a crash between the copy and the delete leaves two equal copies,
// readable by every keyring, and the next start's claim finishes; a claim
// again moves nothing; the owner's shred afterwards leaves no marker in
// the shared bucket; a shared-mode keyring does not claim.
func TestClaim(t *testing.T) {
	n, ctx, kek := sealtest.Start(t)
	before := sealtest.Keyring(t, n.JS, kek)
	sealed := map[string][]byte{}
	for _, id := range []string{"p-a", "p-b", "p-erased"} {
		s, err := before.Seal(ctx, id, []byte("Dana "+id), nil)
		if err != nil {
			t.Fatal(err)
		}
		sealed[id] = s
	}
	if err := before.Shred(ctx, "p-erased"); err != nil {
		t.Fatal(err)
	}
	oldIndex, err := before.IndexKey(ctx, "participants")
	if err != nil {
		t.Fatal(err)
	}
	d := sealtest.Owner(t, n.JS, kek, "dinners") // opened before the claim: every key cached

	cfg := sealtest.OwnerConfig(kek, "participants")
	cfg.SharedCreates = true
	shared := sealtest.Open(t, n.JS, cfg)
	if moved, err := shared.Claim(ctx, []string{"p-a"}); err != nil || moved != 0 || legacyState(t, n.JS, "p-a") != "key" {
		t.Errorf("a shared-mode claim: %d moved, %v", moved, err)
	}

	// A crash after p-b's copy, before its delete.
	restore := seal.SetClaimHook(func(subject string) error {
		if subject == "p-b" {
			return errors.New("killed")
		}
		return nil
	})
	p := sealtest.Owner(t, n.JS, kek, "participants")
	_, err = p.Claim(ctx, []string{"p-b"})
	restore()
	if err == nil {
		t.Fatal("the hook's crash did not stop the claim")
	}
	ownCopy, err1 := sealtest.Bucket(t, n.JS, seal.OwnerBucket("participants")).Get(ctx, "p-b")
	legacyCopy, err2 := sealtest.Bucket(t, n.JS, seal.DefaultBucket).Get(ctx, "p-b")
	if err1 != nil || err2 != nil || !bytes.Equal(ownCopy.Value(), legacyCopy.Value()) {
		t.Errorf("after a crash between copy and delete: own %v, shared %v, equal copies wanted", err1, err2)
	}
	cold := func(name string) *seal.Keyring { // every other key a miss
		c := sealtest.OwnerConfig(kek, name)
		c.CacheSize = 1
		return sealtest.Open(t, n.JS, c)
	}
	readers := func() []*seal.Keyring {
		return []*seal.Keyring{p, d, cold("participants"), cold("dinners")}
	}
	for i, k := range append(readers(), before) {
		if got, err := k.Open(ctx, "p-b", sealed["p-b"], nil); err != nil || string(got) != "Dana p-b" {
			t.Errorf("reader %d after the crash: %q %v", i, got, err)
		}
	}

	// The next start finishes it, and moves the rest.
	next := sealtest.Owner(t, n.JS, kek, "participants")
	moved, err := next.Claim(ctx, []string{"p-a", "p-b", "p-erased", "p-none"})
	if err != nil || moved != 2 {
		t.Errorf("the next claim: %d moved, %v; want 2", moved, err)
	}
	for id, want := range map[string]string{"p-a": "none", "p-b": "none", "p-erased": "marker"} {
		if got := legacyState(t, n.JS, id); got != want {
			t.Errorf("%s in the shared bucket: %s, want %s", id, got, want)
		}
	}
	for _, id := range []string{"p-a", "p-b"} {
		if got := sealtest.KeyHolders(t, n.JS, id); len(got) != 1 || got[0] != seal.OwnerBucket("participants") {
			t.Errorf("%s's key is in %v after the claim, want participants' bucket alone", id, got)
		}
		for i, k := range readers() {
			if got, err := k.Open(ctx, id, sealed[id], nil); err != nil || string(got) != "Dana "+id {
				t.Errorf("reader %d, %s after the claim: %q %v", i, id, got, err)
			}
		}
	}
	if _, err := next.Open(ctx, "p-erased", sealed["p-erased"], nil); !seal.IsShredded(err) {
		t.Errorf("the erased person after the claim: %v", err)
	}
	if moved, err := next.Claim(ctx, []string{"p-a", "p-b"}); err != nil || moved != 0 {
		t.Errorf("a claim again: %d moved, %v", moved, err)
	}

	// The index key of before moves when it is first asked for.
	if got, err := next.IndexKey(ctx, "participants"); err != nil || !bytes.Equal(got, oldIndex) {
		t.Errorf("the index key after its claim: %v", err)
	}
	if got := legacyState(t, n.JS, "index-key-participants"); got != "none" {
		t.Errorf("the index key of before in the shared bucket: %s", got)
	}
	if got, err := sealtest.Owner(t, n.JS, kek, "participants").IndexKey(ctx, "participants"); err != nil || !bytes.Equal(got, oldIndex) {
		t.Errorf("the index key on a new replica after its claim: %v", err)
	}

	// The owner's erasure of a claimed person leaves no marker in the
	// shared bucket.
	if err := next.Shred(ctx, "p-a"); err != nil {
		t.Fatal(err)
	}
	if got := legacyState(t, n.JS, "p-a"); got != "none" {
		t.Errorf("p-a in the shared bucket after its owner's shred: %s", got)
	}
	if _, err := sealtest.Owner(t, n.JS, kek, "dinners").Open(ctx, "p-a", sealed["p-a"], nil); !seal.IsShredded(err) {
		t.Errorf("p-a after its owner's shred: %v", err)
	}
}
