package match

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestBuildRules(t *testing.T) {
	t.Parallel()
	w := Weights{RuleBase: 1, RuleLanguage: 100, RuleMunicipality: 10, RuleDistance: 50, RuleDates: 5}
	host := Person{ID: "h", Capacity: 2, Languages: []string{"sv"}, Municipality: "A", Diet: []string{"halal"},
		Dates: []string{"d1", "d2"}, Gender: "f", HasLocation: true, Lat: 55.6, Lon: 13.0}
	tests := []struct {
		name     string
		newcomer Person
		want     int32 // 0 = not eligible
	}{
		{"base only", Person{ID: "n"}, 1},
		{"language", Person{ID: "n", Languages: []string{"ar", "sv"}}, 101},
		{"municipality", Person{ID: "n", Municipality: "A"}, 11},
		{"diet served", Person{ID: "n", Diet: []string{"halal"}}, 1},
		{"diet not served", Person{ID: "n", Diet: []string{"vegan"}}, 0},
		{"too big", Person{ID: "n", Size: 3}, 0},
		{"dates shared", Person{ID: "n", Dates: []string{"d2", "d3"}}, 6},
		{"dates disjoint", Person{ID: "n", Dates: []string{"d3"}}, 0},
		{"gender wish kept", Person{ID: "n", Gender: "f", SameGenderOnly: true}, 1},
		{"gender wish broken", Person{ID: "n", Gender: "m", SameGenderOnly: true}, 0},
		{"close by", Person{ID: "n", HasLocation: true, Lat: 55.6, Lon: 13.0}, 51},
		{"too far", Person{ID: "n", HasLocation: true, Lat: 59.3, Lon: 18.0}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Build([]Person{tt.newcomer}, []Person{host}, StandardRules(w, 30), nil)
			if err != nil {
				t.Fatal(err)
			}
			var got int32
			if len(b.Instance.Edges) == 1 {
				got = b.Instance.Edges[0].Score
			}
			if got != tt.want {
				t.Fatalf("score %d, want %d (parts %v)", got, tt.want, b.Instance.Parts)
			}
		})
	}
}

func TestBuildOrderIndependent(t *testing.T) {
	t.Parallel()
	ns := []Person{{ID: "b", Languages: []string{"x"}}, {ID: "a", Languages: []string{"y"}}, {ID: "c"}}
	hs := []Person{{ID: "z", Capacity: 1, Languages: []string{"x"}}, {ID: "y", Capacity: 1, Languages: []string{"y"}}}
	rules := StandardRules(Weights{RuleBase: 1, RuleLanguage: 10}, 0)
	b1, err := Build(ns, hs, rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ns)
	slices.Reverse(hs)
	b2, err := Build(ns, hs, rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := Solve(b1.Instance)
	s2, _ := Solve(b2.Instance)
	if !slices.Equal(s1.HostOf, s2.HostOf) || !slices.Equal(b1.NewcomerIDs, b2.NewcomerIDs) {
		t.Fatalf("results differ: %v %v", s1.HostOf, s2.HostOf)
	}
	if _, err := Build([]Person{{ID: "a"}, {ID: "a"}}, nil, rules, nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("duplicate ids: got %v", err)
	}
}

func TestBuildQuotasAndWarm(t *testing.T) {
	t.Parallel()
	ns := []Person{{ID: "a", Group: "f"}, {ID: "b", Group: "f"}, {ID: "c", Group: "m"}}
	hs := []Person{{ID: "h1", Capacity: 1}, {ID: "h2", Capacity: 1}}
	rules := []Rule{RuleFunc{"pref", func(n, h *Person) (int, bool) {
		return map[string]int{"a": 9, "b": 8, "c": 1}[n.ID], true
	}}}
	b, err := Build(ns, hs, rules, map[string]Quota{"m": {Min: 1, Max: -1}})
	if err != nil {
		t.Fatal(err)
	}
	sol, err := Solve(b.Instance)
	if err != nil {
		t.Fatal(err)
	}
	if got := mustVerify(t, b.Instance, sol).Objective; got != 10 {
		t.Fatalf("objective %d, want 10 (a and c)", got)
	}
	ex := Explain(b.Instance, sol)
	if ex[1].Reason != HostsFull || len(ex[1].Blocked) != 2 || !strings.Contains(ex[1].String(), "host") {
		t.Fatalf("explanation for b: %v", ex[1])
	}
	// Warm start after a host joins, mapped by IDs (unit sizes, no quotas).
	b0, _ := Build(ns, hs, rules, nil)
	s0, _ := Solve(b0.Instance)
	b1, _ := Build(ns, append(hs, Person{ID: "h3", Capacity: 1}), rules, nil)
	s1, err := SolveWarm(b1.Instance, b1.Warm(b0, s0))
	if err != nil {
		t.Fatal(err)
	}
	if got := mustVerify(t, b1.Instance, s1).Objective; got != 18 {
		t.Fatalf("objective %d, want 18", got)
	}
}

func TestExplainUnmatched(t *testing.T) {
	t.Parallel()
	in := &Instance{Newcomers: 3, Capacity: []int32{1}, Edges: []Edge{{0, 0, 5}, {1, 0, 7}}}
	sol, err := Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	ex := Explain(in, sol)
	tests := []struct {
		name string
		got  Reason
		want Reason
	}{
		{"lost the seat", ex[0].Reason, HostsFull},
		{"won the seat", ex[1].Reason, Matched},
		{"no edges", ex[2].Reason, NoEligibleHost},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if bl := ex[0].Blocked; len(bl) != 1 || bl[0].Occupants[0].Newcomer != 1 || bl[0].SeatValue < 5 {
		t.Errorf("blockers %+v", bl)
	}
}
