package answer

import (
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// fieldRe finds the template fields a message uses: {{.Date}} gives Date.
var fieldRe = regexp.MustCompile(`\{\{[^}]*?\.([A-Z][A-Za-z]*)`)

// fieldsOf reads a language's answer catalogue: each message's id and the
// sorted fields its text uses, over every plural form.
func fieldsOf(t *testing.T, code string) map[string][]string {
	t.Helper()
	buf, err := fs.ReadFile(testLocales, "locales/answer."+code+".toml")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := toml.Unmarshal(buf, &raw); err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	out := map[string][]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			var texts []string
			switch v := v.(type) {
			case string:
				texts = []string{v}
			case map[string]any:
				if _, plural := v["other"]; !plural {
					walk(prefix+k+".", v)
					continue
				}
				for form, s := range v {
					if str, ok := s.(string); ok && form != "description" {
						texts = append(texts, str)
					}
				}
			}
			seen := map[string]bool{}
			for _, s := range texts {
				for _, m := range fieldRe.FindAllStringSubmatch(s, -1) {
					seen[m[1]] = true
				}
			}
			fields := []string{}
			for f := range seen {
				fields = append(fields, f)
			}
			sort.Strings(fields)
			out[prefix+k] = fields
		}
	}
	walk("", raw)
	return out
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
		got := fieldsOf(t, code)
		for id, want := range sv {
			f, ok := got[id]
			switch {
			case !ok:
				t.Errorf("%s lacks %s (it would show in Swedish)", code, id)
			case !slices.Equal(f, want):
				t.Errorf("%s %s uses %v, Swedish %v", code, id, f, want)
			}
		}
		for id := range got {
			if _, ok := sv[id]; !ok {
				t.Errorf("%s has %s, which Swedish has not", code, id)
			}
		}
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
