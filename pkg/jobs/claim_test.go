package jobs_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/jobs"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
)

// TestSealedDataClaimsItsKeys (ADR 0238): job data sealed before owner
// buckets has its keys moved into the programme's own bucket by
// ClaimKeys, and reads as before; a second claim moves nothing.
func TestSealedDataClaimsItsKeys(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kek := sealtest.KEK(t)
	inner, err := jobs.OpenObjectData(ctx, n.JS, "claim_data", 1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	old := jobs.NewSealedData(inner, sealtest.Keyring(t, n.JS, kek))
	for _, id := range []string{"job-1", "job-2"} {
		if _, err := old.Put(ctx, id, jobs.SnapshotKind, []byte("p-1;p-2;")); err != nil {
			t.Fatal(err)
		}
	}
	dinners := sealtest.Open(t, n.JS, seal.Config{KEKs: []seal.KEK{kek}, Owner: "dinners", Others: seal.KeyOwners})
	data := jobs.NewSealedData(inner, dinners)
	if moved, err := data.ClaimKeys(ctx); err != nil || moved != 2 {
		t.Errorf("claim: %d moved, %v; want 2", moved, err)
	}
	legacy, err := n.JS.KeyValue(ctx, seal.DefaultBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := legacy.ListKeys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		t.Fatal(err)
	}
	if err == nil {
		for k := range keys.Keys() {
			t.Errorf("%s is still in the shared bucket", k)
		}
	}
	for _, id := range []string{"job-1", "job-2"} {
		if got, err := data.Get(ctx, id, jobs.SnapshotKind); err != nil || string(got) != "p-1;p-2;" {
			t.Errorf("%s after the claim: %q %v", id, got, err)
		}
	}
	if moved, err := data.ClaimKeys(ctx); err != nil || moved != 0 {
		t.Errorf("a claim again: %d moved, %v", moved, err)
	}
}
