package rules

import (
	"testing"
)

// BenchmarkBuildExclusions times the rules' Build of the city instance
// (2,000 parties, 400 dinners) three ways, in one run so the figures sit
// side by side (ADR 0269): bare (no Input.Excluded: the lookup is skipped
// for every candidate), lookups (one key that matches nothing: every
// candidate pays the two map lookups of ADR 0263's host-offer exclusion
// and none is left out), and excluded (every tenth party turned down by
// one host, OfferKey, and proposed before at one dinner, SeatingKey:
// the lookups plus the edges they remove).
func BenchmarkBuildExclusions(b *testing.B) {
	r, err := Parse("d", DefaultYAML)
	if err != nil {
		b.Fatal(err)
	}
	in := cityInput(2000, 50, 8)
	some := map[string]bool{}
	for k, s := range in.SignUps {
		if k%10 == 0 {
			t := in.Tables[k%len(in.Tables)]
			some[OfferKey(s.GetId(), t.GetOfferId())] = true
			u := in.Tables[(k+7)%len(in.Tables)]
			some[SeatingKey(s.GetId(), u.GetOfferId(), u.GetDate())] = true
		}
	}
	for _, c := range []struct {
		name     string
		excluded map[string]bool
	}{
		{"bare", nil},
		{"lookups", map[string]bool{"none/none": true}},
		{"excluded", some},
	} {
		b.Run(c.name, func(b *testing.B) {
			in.Excluded = c.excluded
			edges := 0
			for b.Loop() {
				built, err := r.Build(in)
				if err != nil {
					b.Fatal(err)
				}
				edges = len(built.Instance.Edges)
			}
			b.ReportMetric(float64(edges), "edges")
			b.ReportMetric(float64(len(c.excluded)), "keys")
		})
	}
}
