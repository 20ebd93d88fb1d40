package match

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// TestConflictClassesAgainstBruteForce checks, on small random instances
// with party sizes and conflict classes, that no host ever gets two
// newcomers of one class (Verify checks it), the bound is at least the
// true optimum under the classes, and the heuristic nearly always finds
// that optimum.
func TestConflictClassesAgainstBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(17, 3))
	var got, want int64
	misses, cases := 0, 0
	for it := 0; it < 800; it++ {
		in := randomSmall(rng, rng.IntN(2) == 0, false)
		in.Class = make([]int32, in.Newcomers)
		for i := range in.Class {
			in.Class[i] = int32(rng.IntN(3)) - 1
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
		got += sol.Objective
		want += opt
	}
	if misses*50 > cases || got*1000 < want*998 {
		t.Fatalf("%d of %d cases below optimum, total %d of %d", misses, cases, got, want)
	}
}

// TestConflictClassSplitsParties: two parties of one SFI class both
// prefer the big table; one of them must go to the other table, even
// though the big table has room for both and sizes are 1.
func TestConflictClassSplitsParties(t *testing.T) {
	t.Parallel()
	in := &Instance{Newcomers: 3, Capacity: []int32{4, 1}, Class: []int32{0, 0, -1},
		Edges: []Edge{{0, 0, 10}, {0, 1, 5}, {1, 0, 9}, {1, 1, 6}, {2, 0, 3}}}
	sol, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, in, sol)
	if sol.HostOf[0] == sol.HostOf[1] {
		t.Fatalf("parties of one class share host %d", sol.HostOf[0])
	}
	if got, want := sol.Objective, int64(10+6+3); got != want {
		t.Fatalf("objective %d, want %d", got, want)
	}
	// Without the class both sit at host 0.
	in.Class = nil
	sol, err = Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	if sol.HostOf[0] != 0 || sol.HostOf[1] != 0 {
		t.Fatalf("without classes: hosts %v, want both at 0", sol.HostOf)
	}
}

// TestVerifyRejectsClassClash: a matching that seats two newcomers of one
// class at one host fails verification.
func TestVerifyRejectsClassClash(t *testing.T) {
	t.Parallel()
	in := &Instance{Newcomers: 2, Capacity: []int32{2}, Class: []int32{5, 5},
		Edges: []Edge{{0, 0, 3}, {1, 0, 4}}}
	sol := &Solution{HostOf: []int32{0, 0}, Objective: 7, Matched: 2, U: []int64{3, 4}, V: []int64{0}, Bound: 7}
	if _, err := Verify(in, sol); !errors.Is(err, ErrNotVerified) {
		t.Fatalf("Verify: %v, want ErrNotVerified", err)
	}
}

// TestQuotasWithHouseholdsRefused: the household heuristic has no quota
// constraints, so such an instance is refused rather than solved without
// them.
func TestQuotasWithHouseholdsRefused(t *testing.T) {
	t.Parallel()
	in := &Instance{Newcomers: 1, Capacity: []int32{3}, Size: []int32{2}, Group: []int32{0},
		Quotas: []Quota{{Name: "g", Min: 1, Max: -1}}, Edges: []Edge{{0, 0, 5}}}
	if _, err := Solve(in); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Solve: %v, want ErrInvalid", err)
	}
}
