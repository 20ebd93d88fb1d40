package rules

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/match"
)

// cityInput is a city-scale instance: parties of 1 to 5 and dinners over
// eight weeks, as the service's benchmark loads them.
func cityInput(parties, hosts, perHost int) *Input {
	r := rand.New(rand.NewPCG(21, 11))
	day := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	date := func(n int) string { return day.AddDate(0, 0, n).Format(time.DateOnly) }
	munis := []string{"0180", "0184"}
	in := &Input{Offers: map[string]*dinnersv1.Offer{}, Today: day}
	for i := range hosts {
		o := &dinnersv1.Offer{Id: fmt.Sprintf("o-%04d", i), MunicipalityCode: munis[r.IntN(2)], Seats: int32(4 + r.IntN(5)),
			Kitchen: &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL, typev1.Diet_DIET_VEGETARIAN}}, Languages: []string{"en"}}
		in.Offers[o.Id] = o
		start := r.IntN(7)
		for k := range perHost {
			in.Tables = append(in.Tables, &dinnersv1.JobTable{OfferId: o.Id, Date: date(1 + start + 7*k), FreeSeats: o.Seats})
		}
	}
	for i := range parties {
		s := &dinnersv1.SignUp{Id: fmt.Sprintf("s-%04d", i), MunicipalityCode: munis[r.IntN(2)],
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, FirstTime: r.IntN(2) == 0}
		for range 1 + r.IntN(5) {
			s.Party = append(s.Party, &dinnersv1.PartyMember{})
		}
		for _, k := range r.Perm(56)[:3+r.IntN(10)] {
			s.Dates = append(s.Dates, date(1+k))
		}
		in.SignUps = append(in.SignUps, s)
	}
	return in
}

// BenchmarkBuildSolve times building and solving a city-scale instance
// (2,000 parties, 400 dinners) and reports the gap to the proven bound.
func BenchmarkBuildSolve(b *testing.B) {
	r, _ := Parse("d", DefaultYAML)
	in := cityInput(2000, 50, 8)
	var sol *match.Solution
	var built *match.Built
	for b.Loop() {
		var err error
		built, err = r.Build(in)
		if err != nil {
			b.Fatal(err)
		}
		sol, err = match.Solve(built.Instance)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(built.Instance.Edges)), "edges")
	b.ReportMetric(float64(sol.Matched), "seated")
	b.ReportMetric(float64(sol.Bound-sol.Objective)*1e6/float64(max(sol.Bound, 1)), "gap_ppm")
}
