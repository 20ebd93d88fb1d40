package rules

import (
	"fmt"
	"testing"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// BenchmarkBuild builds the instance of 2,000 newcomers and 500 mentors
// of one county (a million pairs, the default rules) with 1,000 pairs
// excluded, and reports the allocations per pair: the base rule runs for
// every pair, so anything it allocates is multiplied by a hundred million
// at issue 12's 20,000 and 5,000 (the job's build phase).
func BenchmarkBuild(b *testing.B) {
	s, err := LoadDir("")
	if err != nil {
		b.Fatal(err)
	}
	langs := []string{"ar", "ti", "so", "prs", "uk", "fa"}
	munis := []string{"0880", "0881", "0882", "0883", "0884"}
	in := Input{Excluded: map[string]bool{}}
	for i := range 2000 {
		in.Newcomers = append(in.Newcomers, &mentoringv1.PoolNewcomer{ParticipantId: fmt.Sprintf("01a23e16-0000-7000-8000-%012d", i),
			MunicipalityCode: munis[i%5], SwedishLevel: typev1.SwedishLevel(1 + i%7), HouseholdSize: 1,
			Languages: []*typev1.LanguageSkill{{Code: langs[i%6], Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
			Interests: []string{"matlagning", "fotboll"}})
	}
	for i := range 500 {
		in.Mentors = append(in.Mentors, &mentoringv1.PoolMentor{VolunteerId: fmt.Sprintf("01a23e16-1111-7000-8000-%012d", i),
			MunicipalityCode: munis[i%5], Capacity: 1, HouseholdSize: 1,
			Languages: []*typev1.LanguageSkill{{Code: langs[i%6], Level: typev1.LanguageLevel_LANGUAGE_LEVEL_FLUENT}},
			Interests: []string{"fotboll"}})
	}
	for i := range 1000 {
		in.Excluded[PairKey(in.Newcomers[i].GetParticipantId(), in.Mentors[i%500].GetVolunteerId())] = true
	}
	pairs := float64(len(in.Newcomers) * len(in.Mentors))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Default.Build(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/pairs, "ns/pair")
}
