package proposal_test

import (
	"context"
	"errors"
	"fmt"
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

// TestPoolGone: AnyGone says whether either person of a proposal left,
// and LeaveGone takes out each who did (with how they left), neither of
// the two who stayed; a failed read is the caller's error.
func TestPoolGone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	left := map[string]proposal.Left{"h-gone": {Gone: true}, "g-erased": {Gone: true, Erased: true}}
	var took []string
	pool := proposal.Pool[[2]string, string]{
		People: func(r [2]string) []proposal.Person[string] {
			return []proposal.Person[string]{{Kind: guest, ID: r[0]}, {Kind: host, ID: r[1]}}
		},
		Gone: func(_ context.Context, _ string, id string) (bool, bool, error) {
			if id == "broken" {
				return false, false, errors.New("read failed")
			}
			return left[id].Gone, left[id].Erased, nil
		},
		Leave: func(_ context.Context, kind, id string, erased bool) error {
			took = append(took, fmt.Sprint(kind, " ", id, " ", erased))
			return nil
		},
	}
	for _, c := range []struct {
		r    [2]string
		gone bool
		took []string
	}{
		{[2]string{"g1", "h1"}, false, nil},
		{[2]string{"g1", "h-gone"}, true, []string{host + " h-gone false"}},
		{[2]string{"g-erased", "h-gone"}, true, []string{guest + " g-erased true", host + " h-gone false"}},
	} {
		took = nil
		gone, err := pool.AnyGone(ctx, c.r)
		if err != nil || gone != c.gone {
			t.Errorf("AnyGone(%v) = %v, %v; want %v", c.r, gone, err, c.gone)
		}
		if err := pool.LeaveGone(ctx, c.r); err != nil || !slices.Equal(took, c.took) {
			t.Errorf("LeaveGone(%v) took %q (%v); want %q", c.r, took, err, c.took)
		}
	}
	if _, err := pool.AnyGone(ctx, [2]string{"broken", "h1"}); err == nil {
		t.Error("AnyGone: a failed read is no error")
	}
	if err := pool.LeaveGone(ctx, [2]string{"g1", "broken"}); err == nil {
		t.Error("LeaveGone: a failed read is no error")
	}
}
