// Package sealtest opens a keyring for tests the way production runs
// one (a random key-encryption key, the default bucket and erasure log on
// the test's JetStream), so tests of sealed records, events and pools do
// not each repeat the set-up. It is a package of its own because pkg/seal's
// own tests use pkg/testutil.
package sealtest

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// KEK is a new random key-encryption key.
func KEK(t testing.TB) seal.KEK {
	t.Helper()
	_, kek := KEKText(t)
	return kek
}

// KEKText is a new random key-encryption key both as the environment
// carries it, for a process the test starts, and parsed.
func KEKText(t testing.TB) (string, seal.KEK) {
	t.Helper()
	s, err := seal.GenerateKEK()
	if err != nil {
		t.Fatal(err)
	}
	kek, err := seal.ParseKEK(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, kek
}

// Keyring opens a keyring on js with keks (a new random one when none is
// given; pass the same one to open a second keyring over the same keys, as
// a restarted replica does) and closes it when the test ends.
func Keyring(t testing.TB, js jetstream.JetStream, keks ...seal.KEK) *seal.Keyring {
	t.Helper()
	return Open(t, js, seal.Config{KEKs: keks})
}

// Open is Keyring with the rest of the configuration too (a small cache,
// to see a miss): a new random KEK when cfg has none. With an Owner, the
// other owners' key buckets are made first. The keyring is closed when
// the test ends.
func Open(t testing.TB, js jetstream.JetStream, cfg seal.Config) *seal.Keyring {
	t.Helper()
	if len(cfg.KEKs) == 0 {
		cfg.KEKs = []seal.KEK{KEK(t)}
	}
	// An owner's keyring reads the other owners' buckets, which it waits
	// for while absent (ADR 0244): made first, as `stack ensure` does.
	if cfg.Owner != "" {
		if _, err := seal.EnsureKeyBuckets(testutil.Context(t), js, cfg.Replicas, cfg.Others...); err != nil {
			t.Fatalf("ensure key buckets: %v", err)
		}
	}
	k, err := seal.Open(testutil.Context(t), js, cfg)
	if err != nil {
		t.Fatalf("open keyring: %v", err)
	}
	t.Cleanup(k.Close)
	return k
}

// Start is what nearly every keyring test begins with: its own embedded
// JetStream (stopped when the test ends), the test's context and a new
// random key-encryption key, for the keyrings the test opens over them.
func Start(t testing.TB) (*testutil.NATS, context.Context, seal.KEK) {
	t.Helper()
	return testutil.MustNATS(t), testutil.Context(t), KEK(t)
}
