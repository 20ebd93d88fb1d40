package match

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// blocks builds an instance of k independent blocks (newcomers of a block
// only reach its hosts), each with a women group holding a Min, like
// municipalities with a gender quota each.
func blocks(rng *rand.Rand, k int) *Instance {
	in := &Instance{}
	for b := range k {
		n0, h0 := int32(in.Newcomers), int32(len(in.Capacity))
		nn, hh := 1+rng.IntN(12), 1+rng.IntN(3)
		for range hh {
			in.Capacity = append(in.Capacity, int32(1+rng.IntN(4)))
		}
		in.Quotas = append(in.Quotas, Quota{Name: "women " + string(rune('a'+b%26)), Min: rng.IntN(3), Max: -1})
		for i := range nn {
			gr := int32(-1)
			if rng.IntN(2) == 0 {
				gr = int32(b)
			}
			in.Group = append(in.Group, gr)
			for j := range hh {
				if rng.IntN(3) > 0 {
					in.Edges = append(in.Edges, Edge{Newcomer: n0 + int32(i), Host: h0 + int32(j), Score: int32(1 + rng.IntN(50))})
				}
			}
		}
		in.Newcomers += nn
	}
	return in
}

func TestQuotaSplitMatchesWhole(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(70, 71))
	for it := range 300 {
		in := blocks(rng, 1+rng.IntN(8))
		g, err := buildCSR(in)
		if err != nil {
			t.Fatal(err)
		}
		whole, werr := solveQuotas(in, g)
		split, serr := Solve(in)
		if errors.Is(werr, ErrInfeasible) {
			if !errors.Is(serr, ErrInfeasible) {
				t.Fatalf("case %d: whole infeasible (%v), split %v", it, werr, serr)
			}
			// Every group the whole solve names, the split names too.
			for _, q := range in.Quotas {
				if strings.Contains(werr.Error(), `"`+q.Name+`"`) != strings.Contains(serr.Error(), `"`+q.Name+`"`) {
					t.Fatalf("case %d: whole %v, split %v", it, werr, serr)
				}
			}
			continue
		}
		if werr != nil || serr != nil {
			t.Fatalf("case %d: %v, %v", it, werr, serr)
		}
		cert := mustVerify(t, in, split)
		if !cert.Optimal || split.Objective != whole.Objective || split.Bound != split.Objective {
			t.Fatalf("case %d: split objective %d bound %d (optimal %v), whole %d", it, split.Objective, split.Bound, cert.Optimal, whole.Objective)
		}
	}
}
