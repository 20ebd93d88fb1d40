package leader_test

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/store/leader"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestRevisions reads a key's values and markers oldest first, skips a
// revision deleted before the read (where a watcher would count it and
// wait), and answers none for a key never written.
func TestRevisions(t *testing.T) {
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	// A bucket that allows deletes, as the key ring's (pkg/seal).
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "KV_revs", Subjects: []string{"$KV.revs.>"},
		MaxMsgsPerSubject: 10, AllowRollup: true, AllowDirect: true, Discard: jetstream.DiscardNew})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, "revs")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"a", "b", "c"} {
		if _, err := kv.PutString(ctx, "k", v); err != nil {
			t.Fatal(err)
		}
		if _, err := kv.PutString(ctx, "other", v); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Purge(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	got, err := leader.Revisions(ctx, js, "revs", "k")
	if err != nil {
		t.Fatal(err)
	}
	// The purge's rollup leaves only its marker.
	if len(got) != 1 || got[0].Put {
		t.Fatalf("after purge: %+v, want the marker alone", got)
	}

	for _, v := range []string{"d", "e", "f"} {
		if _, err := kv.PutString(ctx, "k2", v); err != nil {
			t.Fatal(err)
		}
	}
	all, err := leader.Revisions(ctx, js, "revs", "k2")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || string(all[0].Value) != "d" || string(all[2].Value) != "f" || !all[1].Put {
		t.Fatalf("k2: %+v, want d, e, f", all)
	}
	if err := s.SecureDeleteMsg(ctx, all[1].Seq); err != nil {
		t.Fatal(err)
	}
	left, err := leader.Revisions(ctx, js, "revs", "k2")
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || string(left[0].Value) != "d" || string(left[1].Value) != "f" {
		t.Fatalf("after a delete: %+v, want d, f", left)
	}
	none, err := leader.Revisions(ctx, js, "revs", "never")
	if err != nil || len(none) != 0 {
		t.Fatalf("never written: %+v, %v", none, err)
	}
}
