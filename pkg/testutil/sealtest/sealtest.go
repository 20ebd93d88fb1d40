// Package sealtest opens a keyring for tests the way production runs
// one (a random key-encryption key, the default bucket and erasure log on
// the test's JetStream), so tests of sealed records, events and pools do
// not each repeat the set-up. It is a package of its own because pkg/seal's
// own tests use pkg/testutil.
package sealtest

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// KEK is a new random key-encryption key.
func KEK(t testing.TB) seal.KEK {
	t.Helper()
	s, err := seal.GenerateKEK()
	if err != nil {
		t.Fatal(err)
	}
	kek, err := seal.ParseKEK(s)
	if err != nil {
		t.Fatal(err)
	}
	return kek
}

// Keyring opens a keyring on js with keks (a new random one when none is
// given; pass the same one to open a second keyring over the same keys, as
// a restarted replica does) and closes it when the test ends.
func Keyring(t testing.TB, js jetstream.JetStream, keks ...seal.KEK) *seal.Keyring {
	t.Helper()
	if len(keks) == 0 {
		keks = []seal.KEK{KEK(t)}
	}
	k, err := seal.Open(testutil.Context(t), js, seal.Config{KEKs: keks})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(k.Close)
	return k
}
