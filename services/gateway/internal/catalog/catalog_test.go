package catalog

import (
	"testing"
	"testing/fstest"
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
