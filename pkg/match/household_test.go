package match

import (
	"math/rand/v2"
	"testing"
)

// TestHouseholdsAgainstBruteForce checks, on small random instances with
// party sizes, that the result is feasible, its certified bound is at
// least the true optimum, and the heuristic finds the optimum in nearly all
// cases (GAP is NP-hard, so a rare miss is allowed but counted).
func TestHouseholdsAgainstBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	var got, want int64
	misses, cases := 0, 0
	for it := 0; it < 800; it++ {
		in := randomSmall(rng, true, false)
		if !in.hasHouseholds() {
			continue
		}
		cases++
		sol, err := Solve(in)
		if err != nil {
			t.Fatalf("case %d: %v", it, err)
		}
		cert := mustVerify(t, in, sol)
		opt := bruteForce(in)
		if cert.Bound < opt {
			t.Fatalf("case %d: bound %d below optimum %d", it, cert.Bound, opt)
		}
		if sol.Objective > opt {
			t.Fatalf("case %d: objective %d above optimum %d", it, sol.Objective, opt)
		}
		if sol.Objective < opt {
			misses++
		}
		if sol.Exact && sol.Objective != opt {
			t.Fatalf("case %d: claims optimal %d, optimum %d", it, sol.Objective, opt)
		}
		got += sol.Objective
		want += opt
	}
	if misses*50 > cases || got*1000 < want*998 {
		t.Fatalf("%d of %d cases below optimum, total %d of %d", misses, cases, got, want)
	}
}

func TestHouseholdsGenerated(t *testing.T) {
	t.Parallel()
	in := genInstance(400, 12, 11, true)
	sol, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	cert := mustVerify(t, in, sol)
	if gap := sol.Gap(); gap > 0.03 {
		t.Fatalf("gap %.4f to the LP bound %d (objective %d)", gap, cert.Bound, cert.Objective)
	}
}
