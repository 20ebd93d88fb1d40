package main

import (
	"crypto/ed25519"
	"io"
	"testing"

	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestSeedUsersKeysWhereTheGatewayReads: the seed's demo accounts are
// sealed with keys in the gateway's key bucket when the running gateway
// owns one (ADR 0234 part 2, 0239: it made it at its start), none in the
// shared bucket of before; with a gateway of before (no bucket of its
// own) in the shared one, which is all it reads, and no owner's bucket is
// made.
func TestSeedUsersKeysWhereTheGatewayReads(t *testing.T) {
	kek, err := seal.GenerateKEK()
	if err != nil {
		t.Fatal(err)
	}
	k, _ := seal.ParseKEK(kek)
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	orgs := []*volunteersv1.Organisation{{Id: "o1", MunicipalityCodes: []string{"0880"}}, {Id: "o2", MunicipalityCodes: []string{"0180"}}}
	for _, owner := range []bool{true, false} {
		n := testutil.MustNATS(t)
		ctx := testutil.Context(t)
		if owner {
			// `stack ensure`, then the gateway's start, as an owner.
			if _, err := seal.EnsureKeyBuckets(ctx, n.JS, 1); err != nil {
				t.Fatal(err)
			}
			g, err := seal.Open(ctx, n.JS, seal.Config{KEKs: []seal.KEK{k}, Owner: "gateway", Others: seal.KeyOwners})
			if err != nil {
				t.Fatal(err)
			}
			g.Close()
		}
		step := &usersStep{nc: n.Conn, js: n.JS, keks: []seal.KEK{k}}
		if err := seedUsers(ctx, step, key, orgs, "http://127.0.0.1", io.Discard); err != nil {
			t.Fatal(err)
		}
		keys := map[string]int{}
		for names := n.JS.StreamNames(ctx); ; {
			name, ok := <-names.Name()
			if !ok {
				break
			}
			s, err := n.JS.Stream(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			keys[name] = int(s.CachedInfo().State.Msgs)
		}
		// Three accounts and the accounts' index key.
		want, none := gatewayKeys, "KV_"+seal.DefaultBucket
		if !owner {
			want, none = none, gatewayKeys
		}
		if keys[want] != 4 {
			t.Errorf("owner %v: %s holds %d keys, want the 3 accounts' and their index key", owner, want, keys[want])
		}
		if n, ok := keys[none]; ok && (!owner || n > 0) {
			t.Errorf("owner %v: %s made or written (%d keys)", owner, none, n)
		}
	}
}
