package leader_test

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motesplats/motesplats/pkg/store/leader"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestNextAndLast: Next and Last skip messages securely deleted or purged
// (the stream's LastSeq does not), and say none for an empty bucket.
func TestNextAndLast(t *testing.T) {
	n := testutil.MustNATS(t)
	_, js := n.Connect(t)
	ctx := testutil.Context(t)
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "KV_nl", Subjects: []string{"$KV.nl.>"},
		MaxMsgsPerSubject: 1, AllowRollup: true, AllowDirect: true, Discard: jetstream.DiscardNew})
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, "nl")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := leader.Last(ctx, js, "nl"); err != nil || ok {
		t.Fatalf("Last of an empty bucket: %v, %v; want none", ok, err)
	}
	for _, k := range []string{"a", "b", "c", "d"} { // revisions 1-4
		if _, err := kv.PutString(ctx, k, "v"); err != nil {
			t.Fatal(err)
		}
	}
	for _, seq := range []uint64{2, 4} {
		if err := s.SecureDeleteMsg(ctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	check := func(name string, seq uint64, ok bool, err error, want uint64) {
		t.Helper()
		if err != nil || ok != (want > 0) || seq != want {
			t.Errorf("%s: %d, %v, %v; want %d", name, seq, ok, err, want)
		}
	}
	seq, ok, err := leader.Last(ctx, js, "nl")
	check("Last after deleting 4", seq, ok, err, 3)
	seq, ok, err = leader.Next(ctx, js, "nl", 2)
	check("Next from 2", seq, ok, err, 3)
	seq, ok, err = leader.Next(ctx, js, "nl", 4)
	check("Next from 4", seq, ok, err, 0)
	if err := s.Purge(ctx); err != nil {
		t.Fatal(err)
	}
	seq, ok, err = leader.Next(ctx, js, "nl", 0)
	check("Next after a purge", seq, ok, err, 0)
	seq, ok, err = leader.Last(ctx, js, "nl")
	check("Last after a purge", seq, ok, err, 0)
}
