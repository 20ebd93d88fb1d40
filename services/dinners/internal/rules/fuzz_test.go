package rules

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: a rules file is an operator's YAML, read at start-up and on
// every reload. Parse never panics (one bad file must not take the
// service down), and refuses with LoadErrors, each naming the file and a
// line of it, in valid UTF-8 (ADR 0213).
func FuzzParse(f *testing.F) {
	f.Add(DefaultYAML)
	f.Add([]byte(""))
	f.Add([]byte("version: x\n"))
	f.Add([]byte("{"))
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte("version: 2026-01\nunknown: 1\n"))
	f.Add([]byte("\xff\xfe"))
	if len(DefaultYAML) > 10 {
		f.Add(DefaultYAML[:len(DefaultYAML)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("fuzz.yaml", data)
		if err != nil {
			lines := strings.Count(string(data), "\n") + 2
			for _, e := range unjoin(err) {
				var le *LoadError
				if !errors.As(e, &le) {
					t.Fatalf("a refusal that is no LoadError: %v", e)
				}
				if le.File != "fuzz.yaml" || le.Line < 1 || le.Line > lines || !utf8.ValidString(le.Error()) {
					t.Fatalf("refusal %q (line %d of %d)", le.Error(), le.Line, lines)
				}
			}
			return
		}
		if r == nil {
			t.Fatal("no rules and no error")
		}
	})
}

// unjoin is err's joined errors, or err.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
