package answer

import (
	"os"
	"slices"
	"testing"

	"github.com/motesplats/motesplats/pkg/testutil/catalogtest"
)

// keys flattens a catalogue file's message ids.
func keys(t *testing.T, code string) []string {
	t.Helper()
	return catalogtest.Keys(readCatalogue(t, code))
}

func TestCatalogues_EveryLanguageHasEveryKey(t *testing.T) {
	t.Parallel()
	want := keys(t, "sv")
	for _, code := range Languages {
		if got := keys(t, code); !slices.Equal(got, want) {
			t.Errorf("%s keys differ from sv:\n got %v\nwant %v", code, got, want)
		}
	}
}

func TestCatalogues_EachLanguageSpeaksItsOwnWords(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog(testLocales)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, code := range Languages {
		got := c.text(code, "accept", nil)
		if other, dup := seen[got]; dup {
			t.Errorf("%s and %s both say %q: a catalogue is loaded under the wrong tag", code, other, got)
		}
		seen[got] = code
	}
	if got := c.text("prs", "decline_heading", nil); got != "نه، تشکر" {
		t.Errorf("Dari decline heading %q, want the Dari text (fa-AF), not Persian's", got)
	}
	if got := c.text("sv", "answer_by", map[string]any{"Date": "2026-12-10 18:00"}); got != "Svara senast 2026-12-10 18:00." {
		t.Errorf("answer_by = %q", got)
	}
}

func TestCatalogues_OnlySwedishAndEnglishAreReviewed(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog(testLocales)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range Languages {
		if got, want := c.reviewed[code], code == "sv" || code == "en"; got != want {
			t.Errorf("%s reviewed=%v, want %v (only a native speaker's review may mark it)", code, got, want)
		}
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog(testLocales)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ header, want string }{
		{"", "sv"},
		{"de-DE,de;q=0.9", "sv"},
		{"ar-SA,ar;q=0.9,en;q=0.5", "ar"},
		{"fa-IR", "fa"},
		{"fa-AF", "prs"},
		{"prs", "prs"},
		{"uk-UA,uk;q=0.9", "uk"},
		{"en-GB,en;q=0.9,sv;q=0.8", "en"},
		{"ti-ER", "ti"},
		{"so", "so"},
		{"garbage;;q=x", "sv"},
	} {
		if got := c.fromAcceptLanguage(tc.header); got != tc.want {
			t.Errorf("Accept-Language %q: got %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestDir(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{"ar": "rtl", "fa": "rtl", "prs": "rtl", "sv": "ltr", "ti": "ltr", "uk": "ltr", "": "ltr"} {
		if got := dir(lang); got != want {
			t.Errorf("dir(%q)=%s, want %s", lang, got, want)
		}
	}
}

// testLocales is the gateway's catalogue folder, where
// catalog.AnswerLocales embeds the answer area from.
var testLocales = os.DirFS("../catalog")
