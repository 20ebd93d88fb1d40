package catalog

import (
	"strings"
	"testing"
	"testing/fstest"

	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// TestCatalogueLoadsEveryFile: each AREA.LANG.toml file present is loaded,
// whatever its language (the public answer page brings Tigrinya, Dari and
// others), a key missing in a language falls back to English, and
// English is required.
func TestCatalogueLoadsEveryFile(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"locales/core.en.toml":    {Data: []byte("\"hello\" = \"Hello\"\n\"bye\" = \"Bye\"\n")},
		"locales/core.sv.toml":    {Data: []byte("\"hello\" = \"Hej\"\n\"bye\" = \"Hej då\"\n")},
		"locales/answer.en.toml":  {Data: []byte("\"answer.yes\" = \"Yes\"\n")},
		"locales/answer.ti.toml":  {Data: []byte("\"answer.yes\" = \"እወ\"\n")},
		"locales/answer.prs.toml": {Data: []byte("\"answer.yes\" = \"بلی\"\n")},
	}
	c, err := load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ locale, key, want string }{
		{"ti", "answer.yes", "እወ"},
		{"prs", "answer.yes", "بلی"},
		{"prs", "hello", "Hello"}, // not translated: English
		{"sv", "bye", "Hej då"},
		{"sv", "answer.yes", "Yes"},
	}
	for _, tt := range tests {
		if got := c.plain[tt.locale][tt.key]; got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.locale, tt.key, got, tt.want)
		}
	}
	if _, err := load(fstest.MapFS{"locales/core.sv.toml": {Data: []byte("\"a\" = \"b\"\n")}}); err == nil {
		t.Error("a catalogue without English loaded")
	}
	if _, err := load(fstest.MapFS{"locales/core.en.toml": {Data: []byte("\"a\" = \n")}}); err == nil {
		t.Error("a broken file loaded")
	}
}

// TestLevelAndReasons: a Swedish level in words where the catalogue has
// one ("flytande"), else its short name ("SFI B"); a guide assignment's
// reasons in the engine's order, worded in English for the API.
func TestLevelAndReasons(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		locale string
		level  typev1.SwedishLevel
		want   string
	}{
		{"sv", typev1.SwedishLevel_SWEDISH_LEVEL_FLUENT, "flytande"},
		{"en", typev1.SwedishLevel_SWEDISH_LEVEL_FLUENT, "fluent"},
		{"sv", typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, "SFI B"},
	} {
		if got := Level(tt.locale, tt.level); got != tt.want {
			t.Errorf("Level(%s, %s) = %q, want %q", tt.locale, tt.level, got, tt.want)
		}
	}
	a := &guidesv1.Assignment{Language: "ti", ScoreParts: []*guidesv1.ScorePart{{Rule: "language", Points: 30}, {Rule: "newer_rule", Points: 2}}}
	var got []string
	for _, r := range Explain(a) {
		got = append(got, r.English())
	}
	if want := "guided in a language the newcomer speaks (ti) (+30); newer_rule (+2)"; strings.Join(got, "; ") != want {
		t.Errorf("reasons %q, want %q", strings.Join(got, "; "), want)
	}
}
