// Package rulefiletest holds the fuzz target every programme's rules file
// shares (mentoring, dinners, guides: pkg/rulefile), so the three parsers
// are held to one rule (ADR 0213).
package rulefiletest

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/motesplats/motesplats/pkg/rulefile"
)

// Fuzz runs parse on generated rules files, seeded with the programme's
// default file def and a few hostile ones. A rules file is an operator's
// YAML, read at start-up and on every reload: parse never panics (one bad
// file must not take the service down), and refuses only with
// rulefile.LoadErrors, each naming the file and one of its lines, in valid
// UTF-8. A nil result without an error fails too.
func Fuzz[R any](f *testing.F, def []byte, parse func(file string, data []byte) (*R, error)) {
	f.Helper()
	for _, s := range []string{"", "version: x\n", "{", "a: &a [*a, *a]\nb: *a\n", "version: 2026-01\nunknown: 1\n", "\xff\xfe"} {
		f.Add([]byte(s))
	}
	f.Add(def)
	if len(def) > 10 {
		f.Add(def[:len(def)/2])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parse("fuzz.yaml", data)
		if err != nil {
			lines := strings.Count(string(data), "\n") + 2
			for _, e := range unjoin(err) {
				var le *rulefile.LoadError
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
