package match

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// mustVerify runs Verify and fails the test on any error.
func mustVerify(tb testing.TB, in *Instance, sol *Solution) Certificate {
	tb.Helper()
	cert, err := Verify(in, sol)
	if err != nil {
		tb.Fatalf("Verify: %v", err)
	}
	return cert
}

func TestSolveMatchesBruteForce(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	for it := 0; it < 2000; it++ {
		in := randomSmall(rng, false, false)
		sol, err := Solve(in)
		if err != nil {
			t.Fatalf("case %d: %v", it, err)
		}
		cert := mustVerify(t, in, sol)
		if !cert.Optimal {
			t.Fatalf("case %d: not optimal: %+v", it, cert)
		}
		if got, want := sol.Objective, bruteForce(in); got != want {
			t.Fatalf("case %d: objective %d, brute force %d; instance %+v", it, got, want, in)
		}
	}
}

func TestSolveIndependentOfEdgeOrder(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for it := 0; it < 50; it++ {
		in := genInstance(300, 8, uint64(it), false)
		a, err := Solve(in)
		if err != nil {
			t.Fatal(err)
		}
		mustVerify(t, in, a)
		rng.Shuffle(len(in.Edges), func(x, y int) { in.Edges[x], in.Edges[y] = in.Edges[y], in.Edges[x] })
		b, err := Solve(in)
		if err != nil {
			t.Fatal(err)
		}
		mustVerify(t, in, b)
		if !slices.Equal(a.HostOf, b.HostOf) || !slices.Equal(a.U, b.U) || !slices.Equal(a.V, b.V) {
			t.Fatalf("case %d: shuffled edges gave a different result", it)
		}
	}
}

// TestSolveAgreesWithSSP cross-checks the auction+Hungarian solver with the
// plain successive-shortest-path network used for quotas (an unrelated code
// path) on generated instances too large for brute force.
func TestSolveAgreesWithSSP(t *testing.T) {
	t.Parallel()
	for seed := uint64(0); seed < 6; seed++ {
		in := genInstance(400, 10, seed, false)
		fast, err := Solve(in)
		if err != nil {
			t.Fatal(err)
		}
		mustVerify(t, in, fast)
		g, err := buildCSR(in)
		if err != nil {
			t.Fatal(err)
		}
		in.Group = make([]int32, in.Newcomers)
		for i := range in.Group {
			in.Group[i] = -1
		}
		slow, err := solveQuotas(in, g)
		if err != nil {
			t.Fatal(err)
		}
		mustVerify(t, in, slow)
		if fast.Objective != slow.Objective {
			t.Fatalf("seed %d: fast %d, ssp %d", seed, fast.Objective, slow.Objective)
		}
	}
}

func TestSolveRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   *Instance
	}{
		{"duplicate edge", &Instance{Newcomers: 2, Capacity: []int32{1}, Edges: []Edge{{0, 0, 5}, {1, 0, 3}, {0, 0, 4}}}},
		{"zero score", &Instance{Newcomers: 1, Capacity: []int32{1}, Edges: []Edge{{0, 0, 0}}}},
		{"score too big", &Instance{Newcomers: 1, Capacity: []int32{1}, Edges: []Edge{{0, 0, MaxScore + 1}}}},
		{"host out of range", &Instance{Newcomers: 1, Capacity: []int32{1}, Edges: []Edge{{0, 1, 1}}}},
		{"newcomer out of range", &Instance{Newcomers: 1, Capacity: []int32{1}, Edges: []Edge{{1, 0, 1}}}},
		{"negative capacity", &Instance{Newcomers: 1, Capacity: []int32{-1}}},
		{"size zero", &Instance{Newcomers: 1, Capacity: []int32{1}, Size: []int32{0}}},
		{"quotas without groups", &Instance{Newcomers: 1, Capacity: []int32{1}, Quotas: []Quota{{Name: "x"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Solve(tt.in)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestVerifyRejectsTampering(t *testing.T) {
	t.Parallel()
	in := genInstance(200, 6, 7, false)
	tests := []struct {
		name   string
		tamper func(s *Solution)
	}{
		{"claimed objective", func(s *Solution) { s.Objective++ }},
		{"dual below score", func(s *Solution) {
			for i := range s.U {
				if s.U[i] > 0 {
					s.U[i]--
					s.Bound--
					return
				}
			}
		}},
		{"ineligible pair", func(s *Solution) {
			for i, h := range s.HostOf {
				if h < 0 {
					continue
				}
				s.HostOf[i] = (h + 1) % int32(len(s.V))
				return
			}
		}},
		{"over capacity", func(s *Solution) {
			for i := range s.HostOf {
				s.HostOf[i] = Unmatched
			}
			s.Matched, s.Objective = 0, 0
			for _, e := range in.Edges {
				if s.HostOf[e.Newcomer] == Unmatched && e.Host == 0 {
					s.HostOf[e.Newcomer] = 0
					s.Matched++
					s.Objective += int64(e.Score)
				}
			}
		}},
		{"negative dual", func(s *Solution) { s.V[0] = -1 }},
		{"not optimal", func(s *Solution) { s.U[0] += 1; s.Bound++ }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol, err := Solve(in)
			if err != nil {
				t.Fatal(err)
			}
			mustVerify(t, in, sol)
			tt.tamper(sol)
			if _, err := Verify(in, sol); !errors.Is(err, ErrNotVerified) {
				t.Fatalf("got %v, want ErrNotVerified", err)
			}
		})
	}
}

func TestSolveSmallCases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   *Instance
		want int64
	}{
		{"empty", &Instance{}, 0},
		{"no hosts", &Instance{Newcomers: 3}, 0},
		{"zero capacity", &Instance{Newcomers: 1, Capacity: []int32{0}, Edges: []Edge{{0, 0, 9}}}, 0},
		{"competition", &Instance{Newcomers: 2, Capacity: []int32{1}, Edges: []Edge{{0, 0, 5}, {1, 0, 7}}}, 7},
		{"chain", &Instance{Newcomers: 2, Capacity: []int32{1, 1}, Edges: []Edge{{0, 0, 5}, {0, 1, 4}, {1, 0, 5}}}, 9},
		{"capacity two", &Instance{Newcomers: 3, Capacity: []int32{2}, Edges: []Edge{{0, 0, 1}, {1, 0, 2}, {2, 0, 3}}}, 5},
		{"huge capacity", &Instance{Newcomers: 2, Capacity: []int32{1 << 30}, Edges: []Edge{{0, 0, 1}, {1, 0, 2}}}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol, err := Solve(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			cert := mustVerify(t, tt.in, sol)
			if got := cert.Objective; got != tt.want || !cert.Optimal {
				t.Fatalf("objective %d optimal=%v, want %d", got, cert.Optimal, tt.want)
			}
		})
	}
}
