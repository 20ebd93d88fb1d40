package assign

import "testing"

// BenchmarkNationalBuildExcluded is BenchmarkNationalBuild with one pair
// proposed before for every tenth newcomer, 5,000 in all (ADR 0248): the
// cost of looking each edge up in the excluded set.
func BenchmarkNationalBuildExcluded(b *testing.B) {
	in := national(b)
	full, err := Build(in)
	if err != nil {
		b.Fatal(err)
	}
	seen := map[int32]bool{}
	for _, e := range full.Instance.Edges {
		if e.Newcomer%10 == 0 && !seen[e.Newcomer] {
			seen[e.Newcomer] = true
			o, m, _, _ := ParseUnitID(full.HostIDs[e.Host])
			in.Excluded = append(in.Excluded, Pair{Newcomer: full.NewcomerIDs[e.Newcomer], Organisation: o, Municipality: m})
		}
	}
	b.ReportMetric(float64(len(in.Excluded)), "excluded")
	b.ResetTimer()
	benchBuild(b, in)
}
