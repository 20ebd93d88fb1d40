// Package catalogtest checks message catalogues in tests. The gateway's
// answer page and notify's messages keep one go-i18n TOML file a language,
// and both need the same guarantee: every language has every message the
// Swedish one has, no other, and each message uses the same template
// fields as Swedish, so a translation can neither drop a value (the date
// to answer by) nor show one that minimum disclosure keeps out.
//
// Decoding is the caller's (toml.Unmarshal): the services already depend
// on a TOML package, and pkg, which every service builds, need not.
package catalogtest

import (
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"testing"
)

// fieldRe finds the template fields a message uses: {{.Date}} and
// {{if .Time}} give Date and Time.
var fieldRe = regexp.MustCompile(`\{\{[^}]*?\.([A-Z][A-Za-z]*)`)

// Read decodes the catalogue file at path in fsys with unmarshal, failing
// tb when it is missing or does not decode.
func Read(tb testing.TB, fsys fs.FS, path string, unmarshal func([]byte, any) error) map[string]any {
	tb.Helper()
	buf, err := fs.ReadFile(fsys, path)
	if err != nil {
		tb.Fatal(err)
	}
	var raw map[string]any
	if err := unmarshal(buf, &raw); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return raw
}

// Fields returns each message of a decoded catalogue, by id, with the
// sorted template fields its text uses over every plural form. A table
// with an "other" form is one plural message; any other table is a group
// whose ids are joined to its own with a dot (answer.answer_by).
func Fields(raw map[string]any) map[string][]string {
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

// Keys returns every key of a decoded catalogue, sorted, a nested
// table's joined to its own with a dot (plural forms included).
func Keys(raw map[string]any) []string {
	var out []string
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			out = append(out, prefix+k)
		}
	}
	walk("", raw)
	sort.Strings(out)
	return out
}

// MatchSwedish reports on tb each message of sv (Fields of the Swedish
// catalogue) that lang's, got, lacks or words with other fields, and each
// message got has that Swedish has not. A message lang lacks would show
// in Swedish in the middle of lang's text.
func MatchSwedish(tb testing.TB, sv map[string][]string, lang string, got map[string][]string) {
	tb.Helper()
	for id, want := range sv {
		f, ok := got[id]
		switch {
		case !ok:
			tb.Errorf("%s lacks %s (it would show in Swedish)", lang, id)
		case !slices.Equal(f, want):
			tb.Errorf("%s %s uses %v, Swedish %v", lang, id, f, want)
		}
	}
	for id := range got {
		if _, ok := sv[id]; !ok {
			tb.Errorf("%s has %s, which Swedish has not", lang, id)
		}
	}
}
