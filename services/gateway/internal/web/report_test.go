package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/services/gateway/internal/core"
)

// TestPairsByMonth: the reports page's "new mentoring pairs by month"
// counts pairs both parties accepted, never proposals (issue 12: 266
// proposals were shown as pairs when one pair had been offered).
func TestPairsByMonth(t *testing.T) {
	t.Parallel()
	row := func(month, muni string, c *mentoringv1.ReportCounts) *mentoringv1.ReportRow {
		return &mentoringv1.ReportRow{Month: month, MunicipalityCode: muni, Counts: c}
	}
	tests := []struct {
		name string
		in   []*mentoringv1.ReportRow
		want []core.Count
	}{
		{"no rows", nil, nil},
		{"266 proposals and an offer are no pairs", []*mentoringv1.ReportRow{
			row("2026-12", "0180", &mentoringv1.ReportCounts{Proposed: 200}),
			row("2026-12", "0380", &mentoringv1.ReportCounts{Proposed: 66}),
		}, []core.Count{{Label: "2026-12", N: 0}}},
		{"accepted pairs summed over municipalities, months kept in order", []*mentoringv1.ReportRow{
			row("2026-11", "0180", &mentoringv1.ReportCounts{Proposed: 9, Accepted: 2, Active: 2}),
			row("2026-11", "0380", &mentoringv1.ReportCounts{Accepted: 1, Active: 1}),
			row("2026-12", "0180", &mentoringv1.ReportCounts{Proposed: 5, Active: 2}),
			row("2026-12", "0380", &mentoringv1.ReportCounts{Accepted: 4, Active: 5}),
		}, []core.Count{{Label: "2026-11", N: 3}, {Label: "2026-12", N: 4}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, pairsByMonth(tt.in)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}
