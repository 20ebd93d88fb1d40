package people

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// TestNameSpelling: a no-break space is a space and a decomposed letter
// the one letter once NormName has run; a soft hyphen, a zero-width
// space or a direction mark is refused as invisible, not as a control
// character (ADR 0264); the joiners Persian names need are let in.
func TestNameSpelling(t *testing.T) {
	t.Parallel()
	if got := NormName("A\u030asa\u00a0O\u0308berg"); got != "Åsa Öberg" {
		t.Errorf("NormName: %q", got)
	}
	for s, want := range map[string]string{
		"Åsa Öberg":      "",
		"می‌خواهم":       "",
		"Ås\u00ada":      InvisibleProblem,
		"Åsa\u200bÖberg": InvisibleProblem,
		"\u202eÅsa":      InvisibleProblem,
		"Åsa\nÖberg":     ControlProblem,
		"Åsa\u00a0Öberg": ControlProblem, // not passed through NormName
		// A joiner joins two characters of a word, or is refused: a
		// name of joiners alone was an invisible name (ADR 0267).
		"\u200d":          InvisibleProblem,
		"\u200c\u200d":    InvisibleProblem,
		"\u200dÅsa":       InvisibleProblem,
		"Åsa\u200c":       InvisibleProblem,
		"Åsa \u200dÖberg": InvisibleProblem,
		"Åsa\u200d Öberg": InvisibleProblem,
		"Å\u200c\u200dsa": InvisibleProblem,
		"Åsa Ö\u200dberg": "",
		"क्\u200dष":       "",
	} {
		var v apperr.Validator
		Name(&v, "n", s, true)
		got := ""
		if vs := apperr.Violations(v.Err()); len(vs) > 0 {
			got = vs[0].Description
		}
		if got != want {
			t.Errorf("%q: %q, want %q", s, got, want)
		}
	}
}
