package cli

import "testing"

// TestDinnerGroupValueInWords: the dinners report's group column says
// every value in words, as the web's report does: mp printed "språk: "
// with nothing after it for the rows whose language was not recorded.
func TestDinnerGroupValueInWords(t *testing.T) {
	t.Parallel()
	e := env{}
	for _, tt := range []struct{ dim, value, want string }{
		{"language", "", "okänt"},
		{"gender", "", "kön inte angivet"},
		{"language", "ar", "arabiska"},
	} {
		if got := e.dinnerGroupValue(tt.dim, tt.value); got != tt.want {
			t.Errorf("dinnerGroupValue(%q, %q) = %q, want %q", tt.dim, tt.value, got, tt.want)
		}
	}
}

// TestSeatingScoreWithoutParts: a seating no job proposed (recorded after
// its dinner was held) prints no score, never "0 poäng ()"; a proposed one
// its points and why.
func TestSeatingScoreWithoutParts(t *testing.T) {
	t.Parallel()
	e := env{}
	if got := seatingScore(e, 0, nil); got != "" {
		t.Errorf("no parts: %q, want an empty column", got)
	}
	if got := seatingScore(e, 12, []string{"samma språk +10"}); got != "12 poäng (samma språk +10)" {
		t.Errorf("with parts: %q", got)
	}
}
