package match

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestQuotasMatchBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for it := 0; it < 1500; it++ {
		in := randomSmall(rng, false, true)
		want := bruteForce(in)
		sol, err := Solve(in)
		if want < 0 {
			if !errors.Is(err, ErrInfeasible) {
				t.Fatalf("case %d: got %v, want ErrInfeasible; %+v", it, err, in)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: %v", it, err)
		}
		cert := mustVerify(t, in, sol)
		if !cert.Optimal || sol.Objective != want {
			t.Fatalf("case %d: objective %d (optimal %v), brute force %d; %+v", it, sol.Objective, cert.Optimal, want, in)
		}
	}
}

func TestQuotaErrorNamesGroup(t *testing.T) {
	t.Parallel()
	in := &Instance{
		Newcomers: 3,
		Capacity:  []int32{1, 1},
		Edges:     []Edge{{0, 0, 5}, {1, 0, 5}, {2, 1, 5}},
		Group:     []int32{0, 0, 1},
		Quotas:    []Quota{{Name: "women", Min: 2, Max: -1}, {Name: "men", Min: 0, Max: 1}},
	}
	_, err := Solve(in)
	if !errors.Is(err, ErrInfeasible) || !strings.Contains(err.Error(), `"women"`) || strings.Contains(err.Error(), "men\"") && !strings.Contains(err.Error(), "women") {
		t.Fatalf("got %v, want ErrInfeasible naming \"women\"", err)
	}
}

func TestQuotaMaxBinds(t *testing.T) {
	t.Parallel()
	// Both newcomers of group a score higher, but a may only take one seat.
	in := &Instance{
		Newcomers: 3,
		Capacity:  []int32{2},
		Edges:     []Edge{{0, 0, 9}, {1, 0, 8}, {2, 0, 1}},
		Group:     []int32{0, 0, -1},
		Quotas:    []Quota{{Name: "a", Min: 0, Max: 1}},
	}
	sol, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	cert := mustVerify(t, in, sol)
	if got, want := cert.Objective, int64(10); got != want || !cert.Optimal {
		t.Fatalf("objective %d, want %d", got, want)
	}
}
