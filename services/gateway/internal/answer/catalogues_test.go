package answer

import (
	"slices"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/motesplats/motesplats/pkg/testutil/catalogtest"
)

// fieldsOf reads a language's answer catalogue: each message's id and the
// sorted fields its text uses, over every plural form.
func fieldsOf(t *testing.T, code string) map[string][]string {
	t.Helper()
	return catalogtest.Fields(readCatalogue(t, code))
}

// readCatalogue decodes a language's answer catalogue file.
func readCatalogue(t *testing.T, code string) map[string]any {
	t.Helper()
	return catalogtest.Read(t, testLocales, "locales/answer."+code+".toml", toml.Unmarshal)
}

// TestCatalogues_PlaceholdersMatchSwedish: every language's message uses
// the same placeholders as the Swedish one, so no translation drops the
// date to answer by, and none has a key Swedish lacks or lacks one
// Swedish has (the page would show Swedish in the middle of it).
func TestCatalogues_PlaceholdersMatchSwedish(t *testing.T) {
	t.Parallel()
	sv := fieldsOf(t, "sv")
	if len(sv["answer.answer_by"]) == 0 {
		t.Fatalf("Swedish answer_by has no placeholder: %v", sv)
	}
	for _, code := range Languages[1:] {
		catalogtest.MatchSwedish(t, sv, code, fieldsOf(t, code))
	}
}

// TestAnswerBy_DateKeptWhole: in every language the date to answer by is
// found in its sentence and shown in its own span, which the page keeps on
// one line (a phone broke "2026-12-10 18:00" after "2026-").
func TestAnswerBy_DateKeptWhole(t *testing.T) {
	t.Parallel()
	c, err := loadCatalog(testLocales)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range Languages {
		a := c.answerBy(code, "2026-12-10 18:00")
		if a.Date != "2026-12-10 18:00" || a.Before+a.After == "" || strings.Contains(a.Before+a.After, "\uE000") {
			t.Errorf("%s: answer_by split as %+v", code, a)
		}
	}
	r := newRig(t, "fa", Limits{})
	_, page := r.do("GET", "/a/"+goodToken, nil)
	if !strings.Contains(page, `<span class="when">2026-12-10 18:00</span>`) {
		t.Errorf("the date to answer by is not in its span:\n%s", page)
	}
}

// TestRuns_DatesInTheOffersText: the offer's own text (notify's) keeps its
// dates whole too, and loses no character around them.
func TestRuns_DatesInTheOffersText(t *testing.T) {
	t.Parallel()
	v := &view{}
	for _, tc := range []struct {
		in   string
		want []run
	}{
		{"", nil},
		{"Ingen dag.", []run{{Text: "Ingen dag."}}},
		{"Middag den 2026-12-10 klockan 18:00.", []run{{Text: "Middag den "}, {Text: "2026-12-10", Keep: true}, {Text: " klockan 18:00."}}},
		{"2026-12-10 18:00: يوم", []run{{Text: "2026-12-10 18:00", Keep: true}, {Text: ": يوم"}}},
	} {
		if got := v.Runs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Runs(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}
