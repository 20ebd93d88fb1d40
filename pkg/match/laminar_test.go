package match

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// randomLaminar makes a tiny unit-size instance whose quota groups nest:
// one or two outer groups (a municipality's total), each with up to two
// inner groups (women in it), newcomers in an inner group, directly in an
// outer one, or in none.
func randomLaminar(rng *rand.Rand) *Instance {
	in := randomSmall(rng, false, false)
	if in.Newcomers == 0 {
		return in
	}
	bounds := func() (int, int) {
		lo, hi := rng.IntN(3), -1
		if rng.IntN(2) == 0 {
			hi = lo + rng.IntN(3)
		}
		return lo, hi
	}
	for o := range 1 + rng.IntN(2) {
		lo, hi := bounds()
		outer := int32(len(in.Quotas))
		in.Quotas = append(in.Quotas, Quota{Name: "outer" + string(rune('a'+o)), Min: lo, Max: hi})
		in.Parent = append(in.Parent, -1)
		for c := range rng.IntN(3) {
			lo, hi := bounds()
			in.Quotas = append(in.Quotas, Quota{Name: "inner" + string(rune('a'+o)) + string(rune('0'+c)), Min: lo, Max: hi})
			in.Parent = append(in.Parent, outer)
		}
	}
	in.Group = make([]int32, in.Newcomers)
	for i := range in.Group {
		in.Group[i] = int32(rng.IntN(len(in.Quotas)+1)) - 1
	}
	return in
}

// TestLaminarQuotasMatchBruteForce: nested quota families are solved
// exactly (certified optimal and equal to enumeration), and an instance
// whose nested bounds cannot all hold is refused with ErrInfeasible.
func TestLaminarQuotasMatchBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(41, 42))
	feasible, infeasible := 0, 0
	for it := 0; it < 2000; it++ {
		in := randomLaminar(rng)
		if len(in.Quotas) == 0 {
			continue
		}
		want := bruteForce(in)
		sol, err := Solve(in)
		if want < 0 {
			if !errors.Is(err, ErrInfeasible) {
				t.Fatalf("case %d: got %v, want ErrInfeasible; %+v", it, err, in)
			}
			infeasible++
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v; %+v", it, err, in)
		}
		cert := mustVerify(t, in, sol)
		if !cert.Optimal || sol.Objective != want {
			t.Fatalf("case %d: objective %d (optimal %v), brute force %d; %+v", it, sol.Objective, cert.Optimal, want, in)
		}
		feasible++
	}
	// Both kinds must be exercised for the test to mean anything.
	if feasible < 200 || infeasible < 50 {
		t.Fatalf("%d feasible and %d infeasible cases", feasible, infeasible)
	}
}

// TestLaminarGenderWithinMunicipality: the guides case. Women must have
// 2 of municipality A's places and A must fill 3, though men score more
// and B's newcomers would take A's hosts; both levels bind, the solution
// is certified optimal, and Gamma carries a dual for each.
func TestLaminarGenderWithinMunicipality(t *testing.T) {
	t.Parallel()
	in := &Instance{
		Newcomers: 6,
		Capacity:  []int32{4},
		// 0,1: women in A; 2,3: men in A; 4,5: newcomers of B.
		Edges:  []Edge{{0, 0, 1}, {1, 0, 1}, {2, 0, 9}, {3, 0, 9}, {4, 0, 10}, {5, 0, 10}},
		Quotas: []Quota{{Name: "municipality A", Min: 3, Max: -1}, {Name: "women in A", Min: 2, Max: -1}},
		Parent: []int32{-1, 0},
		Group:  []int32{1, 1, 0, 0, -1, -1},
	}
	sol, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	cert := mustVerify(t, in, sol)
	if got, want := cert.Objective, int64(1+1+9+10); got != want || !cert.Optimal {
		t.Fatalf("objective %d (optimal %v), want %d", got, cert.Optimal, want)
	}
	if sol.HostOf[0] != 0 || sol.HostOf[1] != 0 {
		t.Fatalf("women not both assigned: %v", sol.HostOf)
	}
}

// TestLaminarInfeasibleNamed: the inner group's Min cannot be met (one
// woman, Min 2); the error names that group and not the outer one.
func TestLaminarInfeasibleNamed(t *testing.T) {
	t.Parallel()
	in := &Instance{
		Newcomers: 3,
		Capacity:  []int32{3},
		Edges:     []Edge{{0, 0, 1}, {1, 0, 1}, {2, 0, 1}},
		Quotas:    []Quota{{Name: "municipality A", Min: 2, Max: -1}, {Name: "women in A", Min: 2, Max: -1}},
		Parent:    []int32{-1, 0},
		Group:     []int32{1, 0, 0},
	}
	_, err := Solve(in)
	if !errors.Is(err, ErrInfeasible) || !strings.Contains(err.Error(), `"women in A"`) || strings.Contains(err.Error(), `"municipality A"`) {
		t.Fatalf("got %v, want ErrInfeasible naming only \"women in A\"", err)
	}
}

// TestLaminarParentsValidated: a cycle or an out-of-range parent is an
// invalid instance, never a hang or a panic.
func TestLaminarParentsValidated(t *testing.T) {
	t.Parallel()
	base := func() *Instance {
		return &Instance{Newcomers: 1, Capacity: []int32{1}, Edges: []Edge{{0, 0, 1}}, Group: []int32{0},
			Quotas: []Quota{{Name: "a", Max: -1}, {Name: "b", Max: -1}}}
	}
	for _, parent := range [][]int32{{1, 0}, {0, -1}, {2, -1}, {-1}} {
		in := base()
		in.Parent = parent
		if _, err := Solve(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("parents %v: got %v, want ErrInvalid", parent, err)
		}
	}
}
