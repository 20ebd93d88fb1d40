package people

import (
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// TestInterestsSwedishAndHostile: a Swedish coordinator's words pass once
// normalised ("Trädgård" typed with a combining diaeresis is "trädgård");
// what would break matching, the blind index, a CSV or a page is refused,
// and so are the caps.
func TestInterestsSwedishAndHostile(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   string
		ok   bool
	}{
		{"trädgård", "trädgård", true},
		{"läsning", "läsning", true},
		{"ö-liv with a hyphen", "ö-liv", true},
		{"Arabic", "طبخ", true},
		{"Tigrinya", "ኳዕሶ", true},
		{"Devanagari with a vowel sign", "खेल", true},
		{"digits", "5-kamp", true},
		{"32 runes", strings.Repeat("å", MaxInterestRunes), true},
		{"33 runes", strings.Repeat("å", MaxInterestRunes+1), false},
		{"upper case", "Trädgård", true},
		{"decomposed (NFD)", "tra\u0308dga\u030ard", true},
		{"padded", " fika ", true},
		{"script tag", "<script>", false},
		{"angle inside", "a<b", false},
		{"quote", `a"b`, false},
		{"ampersand", "a&b", false},
		{"NUL", "a\u0000b", false},
		{"newline", "a\nb", false},
		{"RTL mark", "\u200fabc", false},
		{"RTL override inside", "ab\u202ecd", false},
		{"zero-width space", "ab\u200bcd", false},
		{"space inside", "trädgård och fika", false},
		{"spaces only", "   ", false},
		{"no-break space", "\u00a0", false},
		{"empty", "", false},
		{"leading hyphen", "-a", false},
		{"leading mark", "\u0308a", false},
		{"CSV formula", "=cmd", false},
		{"CSV plus", "+46", false},
		{"comma", "a,b", false},
		{"invalid UTF-8", "a\xffb", false},
		{"emoji", "⚽", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var v apperr.Validator
			normed := NormInterests([]string{tt.in})
			Interests(&v, "i", normed)
			if got := v.Valid(); got != tt.ok {
				t.Errorf("Interests(NormInterests(%q)) valid = %v, want %v (%v)", tt.in, got, tt.ok, v.Err())
			}
			// Unnormalised, only a tag already in its one spelling
			// passes: the services normalise, the rule never does.
			var raw apperr.Validator
			Interests(&raw, "i", []string{tt.in})
			if want := tt.ok && normed[0] == tt.in; raw.Valid() != want {
				t.Errorf("Interests(%q) valid = %v, want %v", tt.in, raw.Valid(), want)
			}
		})
	}
}

// TestNormInterests: tags are trimmed, lower-cased and composed, so one
// word has one spelling; nothing else changes (a blank tag stays, as "",
// to be refused).
func TestNormInterests(t *testing.T) {
	t.Parallel()
	got := NormInterests([]string{" Trädgård ", "TRA\u0308DGA\u030aRD", "", "  ", "<Script>", "a\xffb"})
	want := []string{"trädgård", "trädgård", "", "", "<script>", "a\xffb"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
	var v apperr.Validator
	Interests(&v, "i", got[:2])
	if v.Valid() {
		t.Fatal("the same word in two spellings is let in twice")
	}
	if NormInterests(nil) != nil {
		t.Fatal("nil became a list")
	}
}

// TestInterestsCount: at most MaxInterests tags.
func TestInterestsCount(t *testing.T) {
	t.Parallel()
	tags := make([]string, MaxInterests+1)
	for i := range tags {
		tags[i] = "tag-" + strings.Repeat("ä", i+1)
	}
	var v apperr.Validator
	Interests(&v, "i", tags[:MaxInterests])
	if !v.Valid() {
		t.Fatalf("%d tags refused: %v", MaxInterests, v.Err())
	}
	Interests(&v, "i", tags)
	if v.Valid() {
		t.Fatalf("%d tags let in", len(tags))
	}
}
