package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/seal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRewrapEveryKeyBucket: rewrap rewraps the keys in every owner's key
// bucket and in the shared one of before (ADR 0234 part 2, 0239), says
// how many per bucket, and how many keys of before are left there
// (people's apart from index keys); afterwards every key opens with the
// new data key alone, and none with the old alone.
func TestRewrapEveryKeyBucket(t *testing.T) {
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	oldText, err := seal.GenerateKEK()
	if err != nil {
		t.Fatal(err)
	}
	newText, err := seal.GenerateKEK()
	if err != nil {
		t.Fatal(err)
	}
	old, _ := seal.ParseKEK(oldText)
	cur, _ := seal.ParseKEK(newText)
	// Every owner's bucket, as `stack ensure` makes them before the
	// services: an owner's keyring waits for the others' (ADR 0244).
	if _, err := seal.EnsureKeyBuckets(ctx, n.JS, 1); err != nil {
		t.Fatal(err)
	}
	open := func(owner string, kek seal.KEK) *seal.Keyring {
		c := seal.Config{KEKs: []seal.KEK{kek}}
		if owner != "" {
			c.Owner, c.Others = owner, seal.KeyOwners
		}
		k, err := seal.Open(ctx, n.JS, c)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	// Under the old data key: a person's key and an index key of before,
	// a participant's key and the participants' index key in their
	// bucket, a job's key in dinners'.
	sealed := map[string][]byte{}
	type key struct{ owner, subject string }
	keys := []key{{"", "p9"}, {"participants", "p1"}, {"dinners", "jobdata-1"}}
	for _, k := range keys {
		r := open(k.owner, old)
		if sealed[k.subject], err = r.Seal(ctx, k.subject, []byte(k.subject), nil); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	index := map[string][]byte{}
	for owner, name := range map[string]string{"": "volunteers", "participants": "participants"} {
		r := open(owner, old)
		if index[name], err = r.IndexKey(ctx, name); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}

	cfg := testConfig(t, t.TempDir())
	cfg.DataKey, cfg.DataKeyOld = newText, oldText
	var out bytes.Buffer
	if err := rewrap(ctx, cfg, []string{"-nats", n.Server.ClientURL()}, &out); err != nil {
		t.Fatalf("rewrap: %v\n%s", err, out.String())
	}
	t.Logf("rewrap said:\n%s", out.String())
	for _, want := range []string{"rewrapped 5 data keys",
		"KV_data_keys_participants    2 keys rewrapped", "KV_data_keys_dinners         1 keys rewrapped",
		"KV_data_keys_guides          0 keys rewrapped", "KV_data_keys                 2 keys rewrapped",
		"keys of before left in KV_data_keys: 1 people's and job data's, 1 index keys"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("rewrap did not say %q", want)
		}
	}

	for _, k := range keys {
		r := open(k.owner, cur)
		if got, err := r.Open(ctx, k.subject, sealed[k.subject], nil); err != nil || string(got) != k.subject {
			t.Errorf("%s's key (owner %q) with the new data key alone: %q %v", k.subject, k.owner, got, err)
		}
		r.Close()
		r = open(k.owner, old)
		if _, err := r.Open(ctx, k.subject, sealed[k.subject], nil); err == nil {
			t.Errorf("%s's key (owner %q) still opens with the old data key", k.subject, k.owner)
		}
		r.Close()
	}
	for owner, name := range map[string]string{"": "volunteers", "participants": "participants"} {
		r := open(owner, cur)
		if got, err := r.IndexKey(ctx, name); err != nil || !bytes.Equal(got, index[name]) {
			t.Errorf("index key %s (owner %q) with the new data key alone: %v, or another key", name, owner, err)
		}
		r.Close()
	}
}
