package catalog

import (
	"slices"
	"strings"
	"testing"
)

// TestLanguageByName: a language is taken by the names the web form
// shows, in Swedish or English, in any case, and by either part of a name
// with a gloss; a name no language has is not.
func TestLanguageByName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"arabiska", "ar"}, {"Arabic", "ar"}, {"ARABISKA", "ar"}, {" tigrinja ", "ti"}, {"Tigrinya", "ti"},
		{"dari", "prs"}, {"Dari", "prs"}, {"somaliska", "so"}, {"Ukrainian", "uk"}, {"persiska", "fa"},
		{"kurmanji", "kmr"}, {"nordkurdiska", "kmr"}, {"Northern Kurdish", "kmr"}, {"engelska", "en"}, {"svenska", "sv"},
		{"atlantiska", ""}, {"ar", ""}, {"", ""},
		// Beyond the picker's: any language with a two-letter code, by its
		// Swedish or English name (ADR 0254); not a three-letter one, nor a
		// name of a code's shape, which stays a code.
		{"isländska", "is"}, {"Icelandic", "is"}, {" ISLÄNDSKA ", "is"}, {"swahili", "sw"}, {"nederländska", "nl"},
		{"klingonska", ""}, {"ewe", ""},
	} {
		got, ok := LanguageByName(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("LanguageByName(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	// Every language the form offers is taken by its Swedish and English
	// names.
	for _, c := range PickerLanguages {
		for _, l := range nameLocales {
			if got, _ := LanguageByName(LanguageName(l, c)); got != c {
				t.Errorf("%s's %s name %q gives %q", c, l, LanguageName(l, c), got)
			}
		}
	}
}

// TestCloseLanguages: a misspelt name is offered the names nearest it, in
// the asked language with their codes; one near nothing, none.
func TestCloseLanguages(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ locale, in, want string }{
		{"sv", "arabsika", "arabiska (ar)"},
		{"sv", "tigrinia", "tigrinja (ti)"},
		{"en", "somalian", "Somali (so)"},
		{"en", "ukrain", "Ukrainian (uk)"},
		{"sv", "Arabic", "arabiska (ar)"},
	} {
		got := CloseLanguages(tt.locale, tt.in, 3)
		if len(got) == 0 || got[0] != tt.want || len(got) > 3 {
			t.Errorf("CloseLanguages(%s, %q) = %q, want %q first", tt.locale, tt.in, got, tt.want)
		}
	}
	if got := CloseLanguages("sv", "xqzwvk", 3); len(got) != 0 {
		t.Errorf("a name near nothing: %q", got)
	}
	if got := CloseLanguages("sv", "ara", 3); !slices.ContainsFunc(got, func(s string) bool { return strings.HasSuffix(s, "(ar)") }) {
		t.Errorf("the start of a name: %q", got)
	}
}
