package report

import typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"

// EquityGroups computes Equity over rs for each of dims and converts the
// rows to the API's EquityGroup, so every programme reports equity with
// the same figures and the same wire shape. minSize is EquitySpec.MinSize.
func EquityGroups(rs []Record, dims []string, minSize int) []*typev1.EquityGroup {
	var out []*typev1.EquityGroup
	for _, d := range dims {
		t := Equity(rs, EquitySpec{Dim: d, MinSize: minSize})
		for _, r := range t.Rows {
			g := &typev1.EquityGroup{Dimension: d, Group: r.Value, Asked: int32(r.Size), Matched: int32(r.Matched),
				Share: r.Share, MedianDays: -1, Flagged: r.Flagged, Small: r.Small}
			if r.Wait.N > 0 {
				g.MedianDays = r.Wait.Median.Hours() / 24
			}
			out = append(out, g)
		}
	}
	return out
}
