package proposal_test

import (
	"context"
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestProposeChecked runs the job's proposing rule over four seatings: one
// of a guest who left before (not written), one plain, one another job
// proposed before (written by nobody now, not held), and one whose guest
// leaves while the batch is written (held, and the guest is taken out
// once, after the write, although two of their seatings were written).
func TestProposeChecked(t *testing.T) {
	t.Parallel()
	n := testutil.MustNATS(t)
	ctx := testutil.Context(t)
	rg := newRig(ctx, t, n.JS, rigOptions{})
	other := newSeating("g-other", "h1", 1)
	set(other, "job", "job-1")
	if _, err := rg.life.ProposeBatch(ctx, []proposal.NewProposal[seating]{{ID: str(other, "id"), R: other}}); err != nil {
		t.Fatal(err)
	}
	ps := []seating{newSeating("g-left", "h1", 1), newSeating("g-plain", "h1", 1), newSeating("g-other", "h1", 1),
		newSeating("g-leaving", "h1", 1), newSeating("g-leaving", "h2", 1)}
	for _, p := range ps {
		set(p, "job", "job-2")
	}
	reads := 0
	var left []string
	pool := proposal.Pool[seating, string]{
		People: func(r seating) []proposal.Person[string] {
			return []proposal.Person[string]{{Kind: guest, ID: str(r, "guest")}, {Kind: host, ID: str(r, "host")}}
		},
		GoneOf: func(_ context.Context, rs []seating) (map[proposal.Person[string]]proposal.Left, error) {
			reads++
			out := map[proposal.Person[string]]proposal.Left{{Kind: guest, ID: "g-left"}: {Gone: true}}
			if reads > 1 { // after the write
				out[proposal.Person[string]{Kind: guest, ID: "g-leaving"}] = proposal.Left{Gone: true, Erased: true}
			}
			return out, nil
		},
		Leave: func(_ context.Context, kind, id string, erased bool) error {
			if !erased {
				t.Errorf("Leave(%s, %s) without the erasure the pool reported", kind, id)
			}
			left = append(left, kind+"/"+id)
			return nil
		},
	}
	held, err := proposal.ProposeChecked(ctx, rg.life, pool, ps, func(r seating) string { return str(r, "id") },
		func(o proposal.Outcome[seating]) bool { return o.Created || str(o.R, "job") == "job-2" })
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, true, false, true, true}; !slices.Equal(held, want) {
		t.Fatalf("held = %v, want %v", held, want)
	}
	if want := []string{"guest/g-leaving"}; !slices.Equal(left, want) {
		t.Fatalf("left = %v, want %v (once, after the write)", left, want)
	}
	if reads != 2 {
		t.Fatalf("GoneOf read %d times, want 2 (before and after the batch)", reads)
	}
	if _, _, err := rg.repo.Get(ctx, str(ps[0], "id")); err == nil {
		t.Fatal("the seating of a guest who had left was written")
	}
}
