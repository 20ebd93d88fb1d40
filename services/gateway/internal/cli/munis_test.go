package cli

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
)

// TestMunicipalityByName: a municipality flag takes a name as the web's
// fields do ("Stockholm", "malmö kommun", "  Göteborg "), or a code; a
// name no municipality has is passed on as typed for the service to
// refuse (ADR 0154).
func TestMunicipalityByName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, one, list string }{
		{"Stockholm", "0180", "0180"},
		{"malmö kommun", "1280", "1280"},
		{"  Göteborg ", "1480", "1480"},
		{"0880", "0880", "0880"},
		{"9999", "9999", "9999"}, // digits: the service knows which codes exist
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		one := municipalityFlag(fs, "municipality", "")
		list := municipalitiesFlag(fs, "municipalities", "")
		if err := fs.Parse([]string{"-municipality", tt.in, "-municipalities", tt.in}); err != nil {
			t.Fatal(err)
		}
		if *one != tt.one || *list != tt.list {
			t.Errorf("%q: -municipality %q, -municipalities %q; want %q, %q", tt.in, *one, *list, tt.one, tt.list)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	list := municipalitiesFlag(fs, "municipalities", "")
	if err := fs.Parse([]string{"-municipalities", "Stockholm, uppsala,0880"}); err != nil || *list != "0180,0380,0880" {
		t.Errorf("-municipalities Stockholm, uppsala,0880: %q %v, want 0180,0380,0880", *list, err)
	}
}

// TestUnknownMunicipalityNamed: `-municipality Atlantis` was passed on and
// refused as "Kommun: är ingen svensk kommunkod (fyra siffror, ...)", to
// someone mp had told to type names. The flag refuses it in the web app's
// words, in mp's language, naming the flag (outside round s29).
func TestUnknownMunicipalityNamed(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{
		"sv": `ogiltigt värde "Atlantis" för flaggan -municipality: ingen kommun heter Atlantis; skriv kommunernas namn, till exempel Stockholm, Uppsala`,
		"en": `invalid value "Atlantis" for flag -municipality: no municipality is called Atlantis`,
	} {
		e := Env{lang: lang, Out: io.Discard}
		for _, define := range []func(*flag.FlagSet, string, string) *string{municipalityFlag, municipalitiesFlag} {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			define(fs, "municipality", "")
			err := e.parse(fs, []string{"-municipality", "Atlantis"})
			if err == nil || err.Error() != want {
				t.Errorf("%s: %v, want %q", lang, err, want)
			}
		}
	}
}

// TestLanguageCodes: -languages takes the web form's names in Swedish or
// English, any case, and codes (lower-cased); a name no language has is
// refused in mp's language with the closest names (ADR 0173).
func TestLanguageCodes(t *testing.T) {
	t.Parallel()
	e := Env{lang: "sv", Out: io.Discard}
	got, err := e.languageCodes("arabiska, Tigrinya,SO, prs ,somaliska")
	if want := []string{"ar", "ti", "so", "prs", "so"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("%q %v, want %q", got, err, want)
	}
	if got, err := e.languageCodes(""); err != nil || len(got) != 0 {
		t.Errorf("no languages: %q %v", got, err)
	}
	// Beyond the picker's 30 (ADR 0254): isländska was unknown while is
	// was taken; a name of no language is still refused, naming it.
	if got, err := e.languageCodes("isländska, Swahili, ar"); err != nil || !slices.Equal(got, []string{"is", "sw", "ar"}) {
		t.Errorf("names beyond the picker's: %q %v, want is, sw, ar", got, err)
	}
	if _, err := e.languageCodes("isländska, påhittska"); err == nil || !strings.Contains(err.Error(), `"påhittska"`) {
		t.Errorf("an unknown name after a known one: %v, want a refusal naming påhittska", err)
	}
	for lang, want := range map[string]string{
		"sv": `-languages: inget språk heter "tigrinjan". Skriv språkets namn på svenska eller engelska (arabiska, Arabic) eller dess ISO 639-kod (ar). Närmast: tigrinja (ti).`,
		"en": `-languages: no language is called "tigrinjan". Write the language's name in English or Swedish (Arabic, arabiska) or its ISO 639 code (ar). Closest: Tigrinya (ti).`,
	} {
		_, err := Env{lang: lang, Out: io.Discard}.languageCodes("ar, tigrinjan")
		if err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", lang, err, want)
		}
	}
	if _, err := e.languageCodes("klingonska"); err == nil || strings.Contains(err.Error(), "Närmast") {
		t.Errorf("a name near nothing: %v, want a refusal naming no close match", err)
	}
}
