package web

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// TestExplain: a pair's score parts read as sentences with their points
// (issue 12: "Talar båda arabiska", not "language: 40"); a rule that gave
// nothing is left out, an unknown rule shows in words.
func TestExplain(t *testing.T) {
	t.Parallel()
	v := &gatewayv1.PairView{
		Pair: &mentoringv1.Pair{MunicipalityCode: "0180", ScoreParts: []*mentoringv1.ScorePart{
			{Rule: "base", Points: 10}, {Rule: "language", Points: 40}, {Rule: "municipality", Points: 20},
			{Rule: "interests", Points: 15}, {Rule: "family", Points: 0}, {Rule: "new_rule", Points: 5},
		}},
		SharedLanguages: []string{"ar", "ti"}, SharedInterests: []string{"matlagning", "fotboll", "schack"},
	}
	tests := []struct {
		lang string
		want []reason
	}{
		{"sv", []reason{{"Grundpoäng", 10, "10 poäng"}, {"Talar båda arabiska och tigrinja", 40, "40 poäng"}, {"Bor i samma kommun (Stockholm)", 20, "20 poäng"},
			{"3 gemensamma intressen: matlagning, fotboll, schack", 15, "15 poäng"}, {"new rule", 5, "5 poäng"}}},
		{"en", []reason{{"Base points", 10, "10 points"}, {"Both speak Arabic and Tigrinya", 40, "40 points"}, {"Live in the same municipality (Stockholm)", 20, "20 points"},
			{"3 shared interests: matlagning, fotboll, schack", 15, "15 points"}, {"new rule", 5, "5 points"}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, explain(&page{Lang: tt.lang}, v)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.lang, diff)
		}
	}
	one := &gatewayv1.PairView{Pair: &mentoringv1.Pair{ScoreParts: []*mentoringv1.ScorePart{{Rule: "interests", Points: 5}, {Rule: "language", Points: 40}}},
		SharedInterests: []string{"fotboll"}}
	if diff := cmp.Diff([]reason{{"1 gemensamt intresse: fotboll", 5, "5 poäng"}, {"Talar ett gemensamt språk", 40, "40 poäng"}}, explain(&page{Lang: "sv"}, one)); diff != "" {
		t.Errorf("singular (-want +got):\n%s", diff)
	}
}

func TestLangNames(t *testing.T) {
	t.Parallel()
	ls := []*typev1.LanguageSkill{{Code: "ar"}, {Code: "prs"}, {Code: "so"}, {Code: "zz-bad!"}}
	if got, want := langNames("sv", ls), "arabiska, dari, somaliska, zz-bad!"; got != want {
		t.Errorf("langNames(sv) = %q, want %q", got, want)
	}
	if got, want := muniLabel("0880"), "Kalmar"; got != want {
		t.Errorf("muniLabel(0880) = %q, want %q", got, want)
	}
}

// TestPickerLanguagesHaveDistinctNames: every language a picker offers
// has a name of its own in Swedish and English, so a coordinator can tell
// the options apart (Kurmanji and Kurdish were both "kurdiska"), and none
// is shown as its bare code.
func TestPickerLanguagesHaveDistinctNames(t *testing.T) {
	t.Parallel()
	for _, locale := range []string{"sv", "en"} {
		seen := map[string]string{}
		for _, code := range pickerLanguages {
			name := langName(locale, code)
			if name == code {
				t.Errorf("%s: %s has no name", locale, code)
			}
			if other, ok := seen[name]; ok {
				t.Errorf("%s: %s and %s are both %q", locale, other, code, name)
			}
			seen[name] = code
		}
	}
}
