package people

import "testing"

// TestBlankLettersRefused: characters that draw nothing but are not
// format characters (Cf) passed NameRuneProblem, which let an
// organisation or a person be named blank ("\u3164", a Hangul filler,
// listed as nothing in every picker) or be a lookalike of another name
// that compares apart ("Kalmar" and "Kalmar" with a combining grapheme
// joiner; outside49, ADR 0274). Unicode's default-ignorable characters,
// the Hangul fillers and the blank braille pattern are refused as
// invisible; a variation selector after a symbol (an emoji's) or a
// Mongolian letter (Mongolian's own), the
// joiners inside a word and every script's marks on their letters stay.
func TestBlankLettersRefused(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"\u3164", "\u115f\u1160", "\uffa0", "\u2800", "Kalmar\u034f", "\u034f",
		"Kal\ufe0fmar", "Kalmar\ufe0f", "\ufe0f", "Kalmar\U000E0100", "A\u17b4", "Ulaan\u180bbaatar", "Kalmar \u3164"} {
		if got := NameRuneProblem(s); got != InvisibleProblem {
			t.Errorf("%+q: %q, want InvisibleProblem", s, got)
		}
	}
	for _, s := range []string{"Åsa Öberg", "Nguyễn", "مُحَمَّد", "مهر\u200cناز", "क्\u200dष", "क्षमा", "សុខា", "김민준",
		"Språkcafé ☕\ufe0f", "Kalmar ❤\ufe0f", "O\u0308berg",
		"ᠮᠣ\u180bᠩᠭᠣᠯ"} {
		if got := NameRuneProblem(s); got != "" {
			t.Errorf("%+q: %q, want none", s, got)
		}
	}
}
