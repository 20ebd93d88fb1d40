package web

import (
	"slices"
	"testing"
)

// TestLocales: Swedish and English are complete and offered; Arabic, still
// being translated, is not, and a user who chose it gets English pages.
func TestLocales(t *testing.T) {
	t.Parallel()
	for _, l := range []string{"sv", "en"} {
		for k := range messages["en"] {
			if _, ok := messages[l][k]; !ok {
				t.Errorf("%s lacks %q", l, k)
			}
		}
	}
	if !slices.Equal(offered, []string{"sv", "en"}) {
		t.Errorf("offered %v, want [sv en]", offered)
	}
	if got := shown("ar"); got != "en" {
		t.Errorf("shown(ar) = %q, want en", got)
	}
}

func TestTranslateMessage(t *testing.T) {
	t.Parallel()
	tests := []struct{ locale, in, want string }{
		{"sv", "is required", "måste fyllas i"},
		{"sv", "must be at most 100 characters", "får vara högst 100 tecken"},
		{"sv", "0180 is not one of the organisation's municipalities (0880)", "0180 är inte en av organisationens kommuner (0880)"},
		{"sv", "too many sign-in attempts; wait 20s and try again", "för många inloggningsförsök; vänta 20s och försök igen"},
		{"sv", "something new", "something new"},
		{"en", "is required", "is required"},
	}
	for _, tt := range tests {
		if got := translateMessage(tt.locale, tt.in); got != tt.want {
			t.Errorf("translateMessage(%s, %q) = %q, want %q", tt.locale, tt.in, got, tt.want)
		}
	}
	p := &page{Lang: "sv"}
	if got := fieldLabel(p, "municipality_code"); got != "Kommunkod" {
		t.Errorf("label of municipality_code: %q", got)
	}
}
