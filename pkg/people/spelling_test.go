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
