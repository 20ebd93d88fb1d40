package web

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
)

// TestEquityCSV: the guides' equity CSV is the file every CSV download is
// (csvFile): a byte-order mark, ';', headers and values in the user's
// words (Swedish by default) with decimal commas, never the service's
// English codes ("language,ti,4,0,0.000,-1,true,false" before).
func TestEquityCSV(t *testing.T) {
	t.Parallel()
	rows := []*guidesv1.EquityRow{
		{Dimension: guidesv1.EquityDimension_EQUITY_DIMENSION_LANGUAGE, Group: "ti", Entitled: 4, WithGuide: 0, Share: 0, MedianDays: -1, Flagged: true},
		{Dimension: guidesv1.EquityDimension_EQUITY_DIMENSION_GENDER, Group: "woman", Entitled: 12, WithGuide: 9, Share: 0.75, MedianDays: 21.5},
		{Dimension: guidesv1.EquityDimension_EQUITY_DIMENSION_MUNICIPALITY, Group: "0180", Entitled: 3, WithGuide: 1, Share: 1.0 / 3, MedianDays: 4},
	}
	for _, tt := range []struct{ lang, want string }{
		{"sv", "\ufeffIndelning;Grupp;Har rätt till lots;Har lots;Andel med lots (%);Dagar till lots, median;Flaggad;Liten grupp\n" +
			"Förstaspråk;tigrinja;4;0;0,0;;ja;ja\n" +
			"Kön;kvinna;12;9;75,0;22;nej;nej\n" +
			"Kommun;Stockholm;3;1;33,3;4;nej;ja\n"},
		{"en", "\ufeffBreakdown;Group;Entitled to a guide;Has a guide;Share with a guide (%);Days to a guide, median;Flagged;Small group\n" +
			"First language;Tigrinya;4;0;0.0;;yes;yes\n" +
			"Gender;woman;12;9;75.0;22;no;no\n" +
			"Municipality;Stockholm;3;1;33.3;4;no;yes\n"},
	} {
		got := equityCSV(&page{Lang: tt.lang}, rows, 10).String()
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.lang, diff)
		}
	}
}

// TestCSVCellsInert: a cell a spreadsheet would run as a formula (an
// equity group the app has no word for, passed through as the service
// sent it: "=HYPERLINK(...)", "+1+2", "-2+3", "@SUM(A1)", a tab or a
// carriage return first) is written as text with a leading apostrophe;
// numbers, negative and with a decimal comma, and words stay as they are.
func TestCSVCellsInert(t *testing.T) {
	t.Parallel()
	rows := []*guidesv1.EquityRow{}
	for _, g := range []string{`=HYPERLINK("http://example.org","x")`, "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1"} {
		rows = append(rows, &guidesv1.EquityRow{Dimension: guidesv1.EquityDimension_EQUITY_DIMENSION_GENDER, Group: g, Entitled: 1, MedianDays: -1})
	}
	got := equityCSV(&page{Lang: "sv"}, rows, 10).String()
	for _, want := range []string{`Kön;"'=HYPERLINK(""http://example.org"",""x"")";1;`, "Kön;'+1+2;1;", "Kön;'-2+3;1;", "Kön;'@SUM(A1);1;", "Kön;'\t=1;1;", "Kön;\"'\r=1\";1;"} {
		if !strings.Contains(got, want) {
			t.Errorf("the CSV lacks %q:\n%q", want, got)
		}
	}
	for s, want := range map[string]string{"-1": "-1", "-0,5": "-0,5", "+46": "+46", "kvinna": "kvinna", "": "", "-": "'-"} {
		if got := inert(s); got != want {
			t.Errorf("inert(%q) = %q, want %q", s, got, want)
		}
	}
}
