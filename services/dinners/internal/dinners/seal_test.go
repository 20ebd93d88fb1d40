package dinners_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	storev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/store/v1"
	"github.com/motesplats/motesplats/pkg/store"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/sealtest"
	"github.com/motesplats/motesplats/services/dinners/internal/dinners"
)

// TestSeatingHostFeedbackSealedForTheHost (ADR 0159): a seating is sealed
// with its guest's key, and the host's own feedback in it with the host's
// too: once the host is erased no revision opens it, while the rest of
// the seating still reads with the guest's key. A seating without the
// host's feedback is sealed with the guest's key alone.
func TestSeatingHostFeedbackSealedForTheHost(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	kr := sealtest.Keyring(t, n.JS)
	cfg := dinners.SeatingConfig(nil, nil)
	cfg.Keyring = kr
	r, err := store.Open(ctx, n.JS, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	kv, err := n.JS.KeyValue(ctx, dinners.SeatingBucket)
	if err != nil {
		t.Fatal(err)
	}
	namedOf := func() string {
		t.Helper()
		e, err := kv.Get(ctx, "seat-1")
		if err != nil {
			t.Fatal(err)
		}
		var rec storev1.Record
		if err := proto.Unmarshal(e.Value(), &rec); err != nil {
			t.Fatal(err)
		}
		return rec.GetNamedSubject()
	}
	s := &pb.Seating{Id: "seat-1", ParticipantId: "guest-1", VolunteerId: "host-1", Date: "2026-12-20",
		GuestFeedback: &pb.Feedback{Rating: 5}}
	if _, err := r.Create(ctx, "seat-1", s); err != nil {
		t.Fatal(err)
	}
	if got := namedOf(); got != "" {
		t.Errorf("a seating without the host's feedback is sealed for %q too", got)
	}
	if _, _, err := r.Update(ctx, "seat-1", func(p *pb.Seating, _ uint64) (store.Change, error) {
		p.HostFeedback = &pb.Feedback{Rating: 2, WouldMeetAgain: true}
		return nil, nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := namedOf(); got != "host-1" {
		t.Fatalf("a seating with the host's feedback is sealed for %q, want the host too", got)
	}
	if err := kr.Shred(ctx, "host-1"); err != nil {
		t.Fatal(err)
	}
	got, _, err := r.Get(ctx, "seat-1")
	if err != nil {
		t.Fatalf("the guest's seating after the host's erasure: %v", err)
	}
	if got.GetHostFeedback() != nil || got.GetGuestFeedback().GetRating() != 5 || got.GetVolunteerId() != "host-1" {
		t.Errorf("after the host's erasure the seating reads %v; want it without the host's feedback only", got)
	}
}
