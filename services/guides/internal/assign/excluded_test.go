package assign

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/match"
)

// TestExcludedPairsAreNoArcs: the newcomer and office proposed before are
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
		Excluded: []Pair{{Newcomer: "a", Organisation: "o1", Municipality: "0180"}}}
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
// enumeration finds over the full instance's arcs less those to an
// excluded office (every language of the organisation in that
// municipality, ADR 0257), and chooses none of them. The organisations
// have units in several languages and two municipalities, and half the
// instances allow another municipality, so an office's exclusion differs
// from its unit's and from the organisation's.
func TestExcludedOptimumMatchesBruteForce(t *testing.T) {
	t.Parallel()
	w := weights(t)
	r := rand.New(rand.NewPCG(44, 257))
	langs := []string{"sv", "ar", "so"}
	munis := []string{"0180", "0380"}
	offices, arcsOut := 0, 0
	for it := range 300 {
		in := Input{Weights: w}
		in.Weights.OtherMunicipal = r.IntN(2) == 0
		for k := range 1 + r.IntN(4) {
			in.Units = append(in.Units, Unit{Organisation: fmt.Sprintf("o%d", r.IntN(2)), Municipality: munis[r.IntN(2)],
				Language: langs[k%len(langs)], Free: r.IntN(3)})
		}
		in.Units = dedupUnits(in.Units)
		for k := range 1 + r.IntN(5) {
			in.Newcomers = append(in.Newcomers, Newcomer{ID: fmt.Sprintf("n%d", k), Municipality: munis[r.IntN(2)],
				Languages: langs[1 : 1+r.IntN(2)+1], WaitMonths: r.IntN(30)})
		}
		full, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		type key struct{ n, o, m string }
		out := map[key]bool{}
		for _, e := range full.Instance.Edges {
			o, m, _, _ := ParseUnitID(full.HostIDs[e.Host])
			k := key{full.NewcomerIDs[e.Newcomer], o, m}
			if !out[k] && r.IntN(3) == 0 {
				in.Excluded = append(in.Excluded, Pair{Newcomer: k.n, Organisation: o, Municipality: m})
				out[k] = true
				offices++
			}
		}
		allowed := &match.Instance{Newcomers: full.Instance.Newcomers, Capacity: full.Instance.Capacity}
		for _, e := range full.Instance.Edges {
			o, m, _, _ := ParseUnitID(full.HostIDs[e.Host])
			if out[key{full.NewcomerIDs[e.Newcomer], o, m}] {
				arcsOut++
				continue
			}
			allowed.Edges = append(allowed.Edges, e)
		}
		b, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Instance.Edges) != len(allowed.Edges) {
			t.Fatalf("case %d: %d arcs, want the full instance's %d less the %d to excluded offices", it,
				len(b.Instance.Edges), len(full.Instance.Edges), len(full.Instance.Edges)-len(allowed.Edges))
		}
		sol, err := match.Solve(b.Instance)
		if err != nil {
			t.Fatal(err)
		}
		for i, h := range sol.HostOf {
			if h == match.Unmatched {
				continue
			}
			if o, m, _, _ := ParseUnitID(b.HostIDs[h]); out[key{b.NewcomerIDs[i], o, m}] {
				t.Fatalf("case %d: %s was proposed to %s, an office it was proposed to before", it, b.NewcomerIDs[i], b.HostIDs[h])
			}
		}
		if want := bruteForce(allowed); sol.Objective != want {
			t.Fatalf("case %d: objective %d, brute force over the allowed pairs %d; input %+v", it, sol.Objective, want, in)
		}
	}
	t.Logf("%d offices excluded, %d arcs left out", offices, arcsOut)
}

// dedupUnits keeps the first of units with the same id.
func dedupUnits(us []Unit) []Unit {
	seen := map[string]bool{}
	var out []Unit
	for _, u := range us {
		if !seen[u.ID()] {
			seen[u.ID()] = true
			out = append(out, u)
		}
	}
	return out
}

// TestRejectionIsOfTheOffice is the coordinator's reading of ADR 0257: a
// newcomer who speaks Arabic and Persian was rejected by organisation X
// in Stockholm for Arabic. The instance has no arc to X in Stockholm in
// either language, but one to Y there and, when the rules allow another
// municipality, one to X in Uppsala (another office, another situation).
// A pair stored before ADR 0257 (the unit's id) leaves out the same.
// Before, only X's Arabic unit was left out and the engine proposed X's
// Persian place.
func TestRejectionIsOfTheOffice(t *testing.T) {
	t.Parallel()
	w := weights(t)
	w.OtherMunicipal = true
	units := []Unit{{Organisation: "x", Municipality: "0180", Language: "ar", Free: 1},
		{Organisation: "x", Municipality: "0180", Language: "fa", Free: 1},
		{Organisation: "y", Municipality: "0180", Language: "fa", Free: 1},
		{Organisation: "x", Municipality: "0380", Language: "fa", Free: 1}}
	a := Newcomer{ID: "a", Municipality: "0180", Languages: []string{"ar", "fa"}, WaitMonths: 12}
	for name, p := range map[string]Pair{"office": {Newcomer: "a", Organisation: "x", Municipality: "0180"},
		"stored before ADR 0257": {Newcomer: "a", Unit: "x.0180.ar"}} {
		b, err := Build(Input{Weights: w, Units: units, Newcomers: []Newcomer{a}, Excluded: []Pair{p}})
		if err != nil {
			t.Fatal(err)
		}
		var arcs []string
		for _, e := range b.Instance.Edges {
			arcs = append(arcs, b.HostIDs[e.Host])
		}
		if want := []string{"x.0380.fa", "y.0180.fa"}; !slices.Equal(arcs, want) {
			t.Errorf("%s: a's arcs %v, want %v (none to x in 0180, in any language)", name, arcs, want)
		}
		sol, err := match.Solve(b.Instance)
		if err != nil {
			t.Fatal(err)
		}
		if h := sol.HostOf[0]; h == match.Unmatched || b.HostIDs[h] != "y.0180.fa" {
			t.Errorf("%s: a assigned to %v, want y's Persian unit in Stockholm (own municipality)", name, h)
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
