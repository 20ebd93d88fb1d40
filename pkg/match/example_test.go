package match_test

import (
	"fmt"

	"github.com/motesplats/motesplats/pkg/match"
)

// Two newcomers and two hosts: rules decide who may meet whom and how good
// each pair is, Solve finds the best matching, Verify proves it optimal and
// Explain says why.
func Example() {
	newcomers := []match.Person{
		{ID: "amal", Languages: []string{"ar", "sv"}, Municipality: "Malmö", Diet: []string{"halal"}},
		{ID: "bo", Languages: []string{"uk"}, Municipality: "Lund"},
		{ID: "cai", Languages: []string{"zh"}, Municipality: "Lund", Diet: []string{"vegan"}},
	}
	hosts := []match.Person{
		{ID: "eva", Capacity: 1, Languages: []string{"sv", "ar"}, Municipality: "Malmö", Diet: []string{"halal", "vegetarian"}},
		{ID: "filip", Capacity: 1, Languages: []string{"uk", "sv"}, Municipality: "Malmö", Diet: []string{"halal"}},
	}
	weights := match.Weights{match.RuleBase: 10, match.RuleLanguage: 50, match.RuleMunicipality: 30}
	b, err := match.Build(newcomers, hosts, match.StandardRules(weights, 0), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	sol, err := match.Solve(b.Instance)
	if err != nil {
		fmt.Println(err)
		return
	}
	cert, err := match.Verify(b.Instance, sol)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("objective %d, bound %d, optimal %v\n", cert.Objective, cert.Bound, cert.Optimal)
	for _, x := range match.Explain(b.Instance, sol) {
		fmt.Println(b.NewcomerIDs[x.Newcomer]+":", x)
	}
	// Output:
	// objective 150, bound 150, optimal true
	// amal: newcomer 0: matched to host 0, score 90 (base +10, language +50, municipality +30)
	// bo: newcomer 1: matched to host 1, score 60 (base +10, language +50)
	// cai: newcomer 2: no eligible host
}
