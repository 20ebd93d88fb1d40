package catalog

import "testing"

// TestHeldPlacesInNumber: a mentor or guide unit whose places one
// proposal holds says "platsen hålls av 1 förslag", not "platserna"
// (outside round s31), in Swedish and English; two or more keep the
// plural.
func TestHeldPlacesInNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, got, want string
	}{
		{"mentor, one", Mentor("sv", "Lars Eriksson", 103, 1, 0, 0), "Lars Eriksson (103 poäng; platsen hålls av 1 förslag som inte är godkänt än)"},
		{"mentor, two", Mentor("sv", "Karin Lindqvist", 103, 2, 0, 0), "Karin Lindqvist (103 poäng; platserna hålls av 2 förslag som inte är godkända än)"},
		{"mentor, one pair, en", Mentor("en", "Lars Eriksson", 103, 0, 1, 0), "Lars Eriksson (103 points; the place is held by 1 offered or active pair)"},
		{"mentor, one and one", Mentor("sv", "Per Larsson", 95, 1, 1, 0), "Per Larsson (95 poäng; platserna hålls av 1 förslag som inte är godkänt än och 1 erbjudet eller aktivt par)"},
		{"unit, one", GuideUnit("sv", "Etableringslots Syd AB", "svenska", 140, 0, 0, 1), "Etableringslots Syd AB på svenska (140 poäng; platsen hålls av 1 förslag i den här tilldelningen)"},
		{"unit, three, en", GuideUnit("en", "Etableringslots Syd AB", "Swedish", 140, 3, 0, 0), "Etableringslots Syd AB in Swedish (140 points; the places are held by 3 proposals not yet approved)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
