package seal_test

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestOpenCreateOnly: a keyring of a service that does not maintain the
// key ring (Config.CreateOnly, ADR 0234) creates the key bucket and the
// erasure log when absent, works on them, and leaves them as they are when
// they exist with another configuration (its NATS user may not update
// them); the maintainer's keyring brings them to the configuration.
func TestOpenCreateOnly(t *testing.T) {
	t.Parallel()
	n, ctx, kek := sealtest.Start(t)

	// Absent: made, and a key sealed, opened and shredded through them.
	fresh := sealtest.Open(t, testutil.MustNATS(t).JS, seal.Config{KEKs: []seal.KEK{kek}, CreateOnly: true})
	sealed, err := fresh.Seal(ctx, "p-1", []byte("Amina"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.Open(ctx, "p-1", sealed, nil); err != nil {
		t.Fatal(err)
	}
	if err := fresh.Shred(ctx, "p-1"); err != nil {
		t.Fatal(err)
	}

	// Existing, as an older version made them: kept as they are.
	older := map[string]jetstream.StreamConfig{
		"KV_data_keys": {Name: "KV_data_keys", Description: "an older version's", Subjects: []string{"$KV.data_keys.>"},
			MaxMsgsPerSubject: 2, AllowRollup: true, AllowDirect: true, Storage: jetstream.FileStorage},
		seal.DefaultErasureStream: {Name: seal.DefaultErasureStream, Description: "an older version's", Subjects: []string{"erasure.>"},
			MaxMsgsPerSubject: 1, Storage: jetstream.FileStorage},
	}
	for _, c := range older {
		if _, err := n.JS.CreateStream(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	description := func() map[string]string {
		out := map[string]string{}
		for name := range older {
			s, err := n.JS.Stream(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = s.CachedInfo().Config.Description
		}
		return out
	}
	k := sealtest.Open(t, n.JS, seal.Config{KEKs: []seal.KEK{kek}, CreateOnly: true})
	for name, d := range description() {
		if d != "an older version's" {
			t.Errorf("%s changed by a keyring that may only create it (description %q)", name, d)
		}
	}
	if _, err := k.Seal(ctx, "p-2", []byte("Bashir"), nil); err != nil {
		t.Fatalf("seal on the streams as they were: %v", err)
	}
	// The maintainer's start brings them to the configuration.
	sealtest.Open(t, n.JS, seal.Config{KEKs: []seal.KEK{kek}})
	for name, d := range description() {
		if d == "an older version's" {
			t.Errorf("%s not updated by the maintainer's keyring", name)
		}
	}
}
