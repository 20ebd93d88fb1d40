package proposal_test

import (
	"fmt"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestProposeBatch proposes many seatings at once, then the same ones
// again with one more, as a restarted job would: each is created once,
// with one proposed event, and the second call finds the first's records.
func TestProposeBatch(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	rg := newRig(ctx, t, n.JS, rigOptions{})
	batch := func(k int) []proposal.NewProposal[seating] {
		var ps []proposal.NewProposal[seating]
		for i := range k {
			r := newSeating(fmt.Sprintf("g%04d", i), "h1", 1)
			ps = append(ps, proposal.NewProposal[seating]{ID: str(r, "id"), R: r})
		}
		return ps
	}
	first, err := rg.life.ProposeBatch(ctx, batch(1200))
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range first {
		if !o.Created || o.Err != nil || seatingState(o.R).Status != proposal.Proposed {
			t.Fatalf("proposal %d: %+v", i, o)
		}
	}
	again, err := rg.life.ProposeBatch(ctx, batch(1201))
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range again[:1200] {
		if o.Created || o.Err != nil || str(o.R, "id") != str(first[i].R, "id") {
			t.Fatalf("repeat %d: created=%v err=%v id=%s", i, o.Created, o.Err, str(o.R, "id"))
		}
	}
	if o := again[1200]; !o.Created || apperr.ErrorCode(o.Err) != "" {
		t.Fatalf("new one: %+v", o)
	}
	s, err := n.JS.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.State.Msgs; got != 1201 {
		t.Fatalf("stream has %d events, want 1201 (one proposed event each)", got)
	}
}
