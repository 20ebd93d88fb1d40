package proposal_test

import (
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestKitLeaveOnAReplicaBehind: a leave or an erasure handled by a
// replica whose index has not yet seen the proposals another replica just
// wrote for the person still reaches them. Leave searched its index as it
// was, so a seating proposed a moment before (by a coordinator, or a job
// whose own check came before the erasure was published) stayed open, or
// stayed naming the erased person, when another replica took the event.
func TestKitLeaveOnAReplicaBehind(t *testing.T) {
	t.Parallel()
	ctx := testutil.Context(t)
	n := testutil.MustNATS(t)
	now := newRig(ctx, t, n.JS, rigOptions{})
	_, js := n.ConnectLate(t, 200*time.Millisecond)
	late := newRig(ctx, t, js, rigOptions{})
	for _, rg := range []*rig{now, late} {
		rg.setSeats("h-1", 4)
	}
	left := now.propose(ctx, t, "g-1", "h-1", 1)
	if err := late.life.Leave(ctx, guest, "g-1", false); err != nil {
		t.Fatal(err)
	}
	erased := now.propose(ctx, t, "g-2", "h-1", 1)
	if err := late.life.Leave(ctx, guest, "g-2", true); err != nil {
		t.Fatal(err)
	}
	if st := now.status(ctx, t, left); st != proposal.Withdrawn {
		t.Errorf("open seating of a guest who left: %s, want withdrawn", st)
	}
	if st := now.status(ctx, t, erased); st != proposal.Unknown {
		t.Errorf("seating of an erased guest: %s, want gone", st)
	}
}
