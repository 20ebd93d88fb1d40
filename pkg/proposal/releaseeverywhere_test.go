package proposal_test

import (
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestReleaseEverywhere: a holder whose resources are unknown (a proposal
// erased unread, ADR 0164) is released from every resource it holds, and
// no other holder is touched.
func TestReleaseEverywhere(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	s, err := proposal.OpenSlots(ctx, n.JS, "release_everywhere", 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ReleaseEverywhere(ctx, "gone"); err != nil {
		t.Fatalf("an empty bucket: %v", err)
	}
	for _, r := range []string{"res-a", "res-b", "res-c"} {
		for _, h := range []string{"gone", "kept"} {
			if r == "res-c" && h == "gone" {
				continue
			}
			if err := s.Reserve(ctx, r, 2, 10, h, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.ReleaseEverywhere(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"res-a", "res-b", "res-c"} {
		h, err := s.Holders(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(h, []string{"kept"}) {
			t.Errorf("%s is held by %v, want only kept", r, h)
		}
	}
}
