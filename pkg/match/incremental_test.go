package match

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// perturb returns a copy of in with about frac of the newcomers removed
// (their edges dropped, ids kept dense by renumbering), as many new ones
// added, and some capacities changed, plus the warm start mapped from sol.
func perturb(rng *rand.Rand, in *Instance, sol *Solution, frac float64) (*Instance, *Warm) {
	n, m := in.Newcomers, len(in.Capacity)
	keep := make([]int32, n) // old index -> new index or -1
	next := int32(0)
	for i := range keep {
		keep[i] = -1
		if rng.Float64() >= frac {
			keep[i] = next
			next++
		}
	}
	added := n - int(next)
	out := &Instance{Newcomers: int(next) + added, Capacity: append([]int32(nil), in.Capacity...)}
	for c := 0; c < int(frac*float64(m))+1; c++ {
		out.Capacity[rng.IntN(m)] = int32(rng.IntN(5))
	}
	warm := &Warm{HostOf: make([]int32, out.Newcomers), V: append([]int64(nil), sol.V...)}
	for i := range warm.HostOf {
		warm.HostOf[i] = Unmatched
	}
	for _, e := range in.Edges {
		if k := keep[e.Newcomer]; k >= 0 {
			out.Edges = append(out.Edges, Edge{Newcomer: k, Host: e.Host, Score: e.Score})
		}
	}
	for i, k := range keep {
		if k >= 0 {
			warm.HostOf[k] = sol.HostOf[i]
		}
	}
	for a := 0; a < added; a++ {
		i := next + int32(a)
		var row []Edge
		for d := 0; d < 1+rng.IntN(8) && m > 0; d++ {
			row = append(row, Edge{Newcomer: i, Host: int32(rng.IntN(m)), Score: int32(1 + rng.IntN(999))})
		}
		// Sorted rows, as Build and the generator produce them.
		slices.SortFunc(row, func(x, y Edge) int { return int(x.Host) - int(y.Host) })
		out.Edges = append(out.Edges, row...)
	}
	// Drop duplicate pairs the random additions may have made.
	seen := map[[2]int32]bool{}
	edges := out.Edges[:0]
	for _, e := range out.Edges {
		if k := [2]int32{e.Newcomer, e.Host}; !seen[k] {
			seen[k] = true
			edges = append(edges, e)
		}
	}
	out.Edges = edges
	return out, warm
}

func TestSolveWarmMatchesCold(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	for it := 0; it < 20; it++ {
		in := genInstance(500, 10, uint64(100+it), false)
		sol, err := Solve(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, frac := range []float64{0.01, 0.1, 0.5} {
			changed, warm := perturb(rng, in, sol, frac)
			got, err := SolveWarm(changed, warm)
			if err != nil {
				t.Fatal(err)
			}
			cert := mustVerify(t, changed, got)
			cold, err := Solve(changed)
			if err != nil {
				t.Fatal(err)
			}
			if !cert.Optimal || got.Objective != cold.Objective {
				t.Fatalf("case %d frac %v: warm %d, cold %d", it, frac, got.Objective, cold.Objective)
			}
		}
	}
}

func TestSolveWarmSmall(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(11, 12))
	for it := 0; it < 1000; it++ {
		in := randomSmall(rng, false, false)
		// An arbitrary (even nonsensical) warm start must still give the
		// optimum: warm starts only save work.
		w := &Warm{HostOf: make([]int32, in.Newcomers), V: make([]int64, len(in.Capacity))}
		for i := range w.HostOf {
			w.HostOf[i] = int32(rng.IntN(len(in.Capacity)+1)) - 1
		}
		for j := range w.V {
			w.V[j] = int64(rng.IntN(1200)) - 100
		}
		sol, err := SolveWarm(in, w)
		if err != nil {
			t.Fatal(err)
		}
		mustVerify(t, in, sol)
		if got, want := sol.Objective, bruteForce(in); got != want {
			t.Fatalf("case %d: %d, brute force %d", it, got, want)
		}
	}
}
