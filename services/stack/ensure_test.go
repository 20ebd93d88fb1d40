package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestEnsureMakesEveryOwnersKeyBucket: `stack ensure` (ADR 0244) makes
// each owner's key bucket at MP_REPLICAS and says which; run again, it
// makes none.
func TestEnsureMakesEveryOwnersKeyBucket(t *testing.T) {
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	cfg, err := configFromEnv(func(k string) string { return map[string]string{"MP_REPLICAS": "1"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := dispatch(ctx, cfg, []string{"ensure", "-nats", n.Server.ClientURL()}, &out); err != nil {
		t.Fatal(err)
	}
	if want := "made: " + strings.Join(ownerBuckets(), ", ") + "\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("stack ensure said %q, want it to end %q", out.String(), want)
	}
	for _, b := range ownerBuckets() {
		if _, err := n.JS.Stream(ctx, "KV_"+b); err != nil {
			t.Errorf("%s after stack ensure: %v", b, err)
		}
	}
	out.Reset()
	if err := dispatch(ctx, cfg, []string{"ensure", "-nats", n.Server.ClientURL()}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "made: none\n") {
		t.Errorf("stack ensure run again said %q, want none made", out.String())
	}
}

// ownerBuckets are every owner's key bucket, in seal.KeyOwners' order.
func ownerBuckets() []string {
	var out []string
	for _, o := range seal.KeyOwners {
		out = append(out, seal.OwnerBucket(o))
	}
	return out
}
