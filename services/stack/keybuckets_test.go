package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestKeyBucketsByOwner (ADR 0238): make run gives each service a keyring
// of its own, as make up does: a guest's key is in participants' bucket
// alone, the host's in volunteers', dinners' bucket holds only its job
// data's keys though it sealed a sign-up and a seating with the guest's,
// notify has no bucket and nothing is made in the shared one of before;
// the guest's erasure through participants erases their sign-up and
// seating in dinners and their key.
func TestKeyBucketsByOwner(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	l, _, stop := startStack(t, cfg)
	defer stop()
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	m := newMarkers(t)
	pp := startProgrammePeople(t, ctx, cfg, l, c, "Key buckets", m, m, m)
	dc, signUp, seating := seatGuest(t, ctx, cfg, l, pp, "kb")
	js := natsClient(t, l)

	keysIn := func(bucket string) []string {
		t.Helper()
		kv, err := js.KeyValue(ctx, bucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		keys, err := kv.ListKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for k := range keys.Keys() {
			out = append(out, k)
		}
		return out
	}
	whereIs := func(id string) []string {
		t.Helper()
		var in []string
		for _, o := range append(slices.Clone(seal.KeyOwners), "notify") {
			if slices.Contains(keysIn(seal.OwnerBucket(o)), id) {
				in = append(in, o)
			}
		}
		return in
	}
	for id, want := range map[string]string{pp.guest: "participants", pp.newcomer: "participants", pp.host: "volunteers"} {
		if got := whereIs(id); len(got) != 1 || got[0] != want {
			t.Errorf("%s's key is in %v, want %s's bucket alone", want, got, want)
		}
	}
	jobData := 0
	for _, k := range keysIn(seal.OwnerBucket("dinners")) {
		if !strings.HasPrefix(k, "jobdata-") {
			t.Errorf("dinners' bucket holds %s, not its job data's", k)
		}
		jobData++
	}
	if jobData == 0 {
		t.Error("dinners' job data keys are not in its bucket")
	}
	for _, stream := range []string{"KV_" + seal.DefaultBucket, "KV_" + seal.OwnerBucket("notify")} {
		if _, err := js.Stream(ctx, stream); !errors.Is(err, jetstream.ErrStreamNotFound) {
			t.Errorf("%s: %v, want no such stream", stream, err)
		}
	}

	if _, err := c.p.EraseParticipant(ctx, &participantsv1.EraseParticipantRequest{Id: pp.guest}); err != nil {
		t.Fatalf("erase guest: %v", err)
	}
	settleProgrammes(t, ctx, l)
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		if _, err := dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: seating}); err == nil {
			return fmt.Errorf("the erased guest's seating is still there")
		}
		if _, err := dc.GetSignUp(ctx, &dinnersv1.GetSignUpRequest{Id: signUp}); err == nil {
			return fmt.Errorf("the erased guest's sign-up is still there")
		}
		return nil
	})
	if got := whereIs(pp.guest); len(got) != 0 {
		t.Errorf("the erased guest's key is still in %v", got)
	}
}
