package web

import (
	"strings"
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

// TestLocalCSV: the CSV a person downloads is headed and labelled in their
// language (issue 12: the whole CSV was English), with ';' (what Swedish
// Excel splits on) and a byte-order mark in every language; the mentoring
// months are kept apart.
func TestLocalCSV(t *testing.T) {
	t.Parallel()
	rep := &core.Report{Participants: 3, Volunteers: 2, ByMunicipality: []core.Count{{Label: "0880", N: 3}},
		BySwedishLevel: []core.Count{{Label: "none", N: 1}, {Label: "SFI B", N: 2}}, ByGender: []core.Count{{Label: "woman", N: 2}, {Label: "not given", N: 1}}}
	mr := &mentoringv1.GetReportResponse{MedianDaysToActive: 12, MeanDaysToActive: 15, Rows: []*mentoringv1.ReportRow{
		{Month: "2026-11", MunicipalityCode: "0880", Counts: &mentoringv1.ReportCounts{Proposed: 7, Offered: 3, Accepted: 2, Active: 2}},
	}}
	got := localCSV(&page{Lang: "sv"}, rep, mr).String()
	want := "\ufeffAvsnitt;Vad;Antal\nTotalt;Registrerade nyanlända;3\nTotalt;Registrerade volontärer;2\n" +
		"Nyanlända per kommun;Kalmar;3\nNyanlända per svenskanivå;inga;1\nNyanlända per svenskanivå;SFI B;2\n" +
		"Nyanlända per kön;kvinna;2\nNyanlända per kön;ej angivet;1\n" +
		"Förslag;2026-11;7\nErbjudanden;2026-11;3\nNya aktiva par (båda har tackat ja);2026-11;2\nAktiva vid månadens slut;2026-11;2\nAvslutade par;2026-11;0\nTackade nej;2026-11;0\n" +
		"Dagar från registrering till aktivt par;median;12\nDagar från registrering till aktivt par;medel;15\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Swedish CSV (-want +got):\n%s", diff)
	}
	// English is the same file in English words: ';' and the mark too
	// (every CSV download is one way, csvFile).
	if got := localCSV(&page{Lang: "en"}, rep, mr).String(); !strings.HasPrefix(got, "\ufeffSection;What;Count\nTotal;") {
		t.Errorf("English CSV: %q", got)
	}
	if got := scaleOf([]core.Count{{N: 3}}, nil, []core.Count{{N: 9}, {N: 1}}); got != 9 {
		t.Errorf("scaleOf = %d, want 9", got)
	}
}
