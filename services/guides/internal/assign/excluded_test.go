package assign

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/motesplats/motesplats/pkg/match"
)

// TestExcludedPairsAreNoArcs: the newcomer and unit proposed before are
// no arc of the instance, so the engine never chooses them, and the
// optimum is over the other pairs: the rejected newcomer takes the other
// unit that fits, and the next one the freed place (ADR 0248). Before,
// the engine chose the same pair again and it was dropped after the
// solve, leaving both places empty.
func TestExcludedPairsAreNoArcs(t *testing.T) {
	t.Parallel()
	in := Input{Weights: weights(t),
		Units: []Unit{{Organisation: "o1", Municipality: "0180", Language: "ar", Free: 1},
			{Organisation: "o2", Municipality: "0180", Language: "sv", Free: 1}},
		Newcomers: []Newcomer{{ID: "a", Municipality: "0180", Languages: []string{"ar"}, WaitMonths: 24},
			{ID: "b", Municipality: "0180", Languages: []string{"ar"}}},
		Excluded: []Pair{{Newcomer: "a", Unit: "o1.0180.ar"}}}
	b, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range b.Instance.Edges {
		if b.NewcomerIDs[e.Newcomer] == "a" && b.HostIDs[e.Host] == "o1.0180.ar" {
			t.Errorf("the excluded pair a -> o1.0180.ar is an arc of the instance")
		}
	}
	sol, err := match.Solve(b.Instance)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for i, h := range sol.HostOf {
		if h != match.Unmatched {
			got[b.NewcomerIDs[i]] = b.HostIDs[h]
		}
	}
	if got["a"] != "o2.0180.sv" || got["b"] != "o1.0180.ar" {
		t.Errorf("assigned %v, want a in o2's Swedish unit and b in the Arabic place a may not have again", got)
	}
}

// TestExcludedOptimumMatchesBruteForce: on small random instances, the
// solve of the instance with pairs excluded reaches the best total that
// enumeration finds over the full instance's arcs less those pairs, and
// chooses none of them.
func TestExcludedOptimumMatchesBruteForce(t *testing.T) {
	t.Parallel()
	w := weights(t)
	r := rand.New(rand.NewPCG(44, 248))
	langs := []string{"sv", "ar", "so"}
	for it := range 300 {
		in := Input{Weights: w}
		for k := range 1 + r.IntN(3) {
			in.Units = append(in.Units, Unit{Organisation: fmt.Sprintf("o%d", k), Municipality: "0180",
				Language: langs[r.IntN(len(langs))], Free: r.IntN(3)})
		}
		for k := range 1 + r.IntN(5) {
			in.Newcomers = append(in.Newcomers, Newcomer{ID: fmt.Sprintf("n%d", k), Municipality: "0180",
				Languages: []string{langs[1+r.IntN(2)]}, WaitMonths: r.IntN(30)})
		}
		full, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		out := map[Pair]bool{}
		allowed := &match.Instance{Newcomers: full.Instance.Newcomers, Capacity: full.Instance.Capacity}
		for _, e := range full.Instance.Edges {
			p := Pair{Newcomer: full.NewcomerIDs[e.Newcomer], Unit: full.HostIDs[e.Host]}
			if r.IntN(3) == 0 {
				in.Excluded = append(in.Excluded, p)
				out[p] = true
				continue
			}
			allowed.Edges = append(allowed.Edges, e)
		}
		b, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		sol, err := match.Solve(b.Instance)
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range sol.HostOf {
			if h != match.Unmatched && out[Pair{Newcomer: b.NewcomerIDs[i], Unit: b.HostIDs[h]}] {
				t.Fatalf("case %d: the excluded pair %s -> %s was chosen", it, b.NewcomerIDs[i], b.HostIDs[h])
			}
		}
		if want := bruteForce(allowed); sol.Objective != want {
			t.Fatalf("case %d: objective %d, brute force over the allowed pairs %d; input %+v", it, sol.Objective, want, in)
		}
	}
}

// bruteForce is the best total score of an instance without quotas, by
// enumerating every newcomer's unit or none within capacity.
func bruteForce(in *match.Instance) int64 {
	adj := make([][]match.Edge, in.Newcomers)
	for _, e := range in.Edges {
		adj[e.Newcomer] = append(adj[e.Newcomer], e)
	}
	left := append([]int32(nil), in.Capacity...)
	var best int64
	var rec func(i int, acc int64)
	rec = func(i int, acc int64) {
		if i == in.Newcomers {
			best = max(best, acc)
			return
		}
		rec(i+1, acc)
		for _, e := range adj[i] {
			if left[e.Host] > 0 {
				left[e.Host]--
				rec(i+1, acc+int64(e.Score))
				left[e.Host]++
			}
		}
	}
	rec(0, 0)
	return best
}
