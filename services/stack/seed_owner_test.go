package main

import (
	"crypto/ed25519"
	"io"
	"strings"
	"testing"

	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// gatewayKeys is the gateway's key bucket's stream (ADR 0234 part 2).
var gatewayKeys = "KV_" + seal.OwnerBucket("gateway")

// TestSeedUsersKeysWhereTheGatewayReads: the seed's demo accounts are
// sealed with keys where the running gateway creates and reads its own,
// decided as the gateway decides, by MP_KEY_BUCKETS (ADR 0238, 0252): in
// the gateway's own bucket by default (ADR 0234 part 2, 0239), none in
// the shared bucket of before; with `shared` (a rolling upgrade beside a
// gateway of before, which reads only the shared bucket) in the shared
// one, although `stack ensure` made the gateway's bucket (ADR 0244). A
// stack whose owners' buckets were never made is refused before anything
// is seeded, not waited on.
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
	for _, tc := range []struct {
		name      string
		ensured   bool
		buckets   string // MP_KEY_BUCKETS, the gateway's and the seed's
		want      string // the stream that holds the accounts' keys
		none      string // a stream that must hold none
		refused   bool
		gatewayUp bool // a gateway of this release started as an owner
	}{
		{name: "buckets ensured, gateway own", ensured: true, gatewayUp: true, want: gatewayKeys, none: "KV_" + seal.DefaultBucket},
		{name: "buckets ensured, gateway shared", ensured: true, buckets: "shared", want: "KV_" + seal.DefaultBucket, none: gatewayKeys},
		{name: "buckets never made", refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := testutil.MustNATS(t)
			ctx := testutil.Context(t)
			if tc.ensured {
				// `stack ensure`, which make up, make run and Kubernetes
				// run before any service.
				if _, err := seal.EnsureKeyBuckets(ctx, n.JS, 1); err != nil {
					t.Fatal(err)
				}
			}
			if tc.gatewayUp {
				g, err := seal.Open(ctx, n.JS, seal.Config{KEKs: []seal.KEK{k}, Owner: "gateway", Others: seal.KeyOwners})
				if err != nil {
					t.Fatal(err)
				}
				g.Close()
			}
			env := map[string]string{"MP_DATA_KEY": kek, "MP_KEY_BUCKETS": tc.buckets}
			cfg, err := configFromEnv(func(k string) string { return env[k] })
			if err != nil {
				t.Fatal(err)
			}
			step, err := openUsersStep(ctx, cfg, n.Server.ClientURL())
			if tc.refused {
				if err == nil || !strings.Contains(err.Error(), "stack ensure") {
					t.Errorf("seed on a stack without key buckets: %v, want a refusal naming stack ensure", err)
				}
				if err == nil {
					step.close()
				}
				if names := streams(t, n); len(names) > 0 {
					t.Errorf("refused seed made %v", names)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer step.close()
			if err := seedUsers(ctx, step, key, orgs, "http://127.0.0.1", io.Discard); err != nil {
				t.Fatal(err)
			}
			keys := streams(t, n)
			// Three accounts and the accounts' index key.
			if keys[tc.want] != 4 {
				t.Errorf("%s holds %d keys, want the 3 accounts' and their index key", tc.want, keys[tc.want])
			}
			if keys[tc.none] > 0 {
				t.Errorf("%s holds %d keys, want none", tc.none, keys[tc.none])
			}
		})
	}
}

// streams is every stream's name with its message count.
func streams(t *testing.T, n *testutil.NATS) map[string]int {
	t.Helper()
	ctx := testutil.Context(t)
	keys := map[string]int{}
	for names := n.JS.StreamNames(ctx); ; {
		name, ok := <-names.Name()
		if !ok {
			return keys
		}
		s, err := n.JS.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = int(s.CachedInfo().State.Msgs)
	}
}
