package testutil

import (
	"regexp"
	"strings"
	"testing"
)

// goErrorText are fragments of Go's own error strings that an operator
// should never have to read in a refusal of a configuration value
// (ADR 0186): strconv's "parsing", time's "time: invalid duration",
// url's "parse", net's "address ...: missing port", a package prefix.
var goErrorText = regexp.MustCompile(`strconv\.|parsing "|invalid syntax|time: |missing port|too many colons|seal: |auth: |cache: |unknown time zone|%!|\bdial tcp\b|\blisten tcp\b`)

// MustRefuse fails tb unless err refuses the variable name in one line
// of its own: the line starts with the variable, says what is wrong,
// then "; want" and the accepted form, and holds no Go error text. It
// returns that line.
func MustRefuse(tb testing.TB, err error, name string) string {
	tb.Helper()
	if err == nil {
		tb.Fatalf("%s: accepted, want a refusal naming it", name)
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		if !strings.HasPrefix(line, name+"=") && !strings.HasPrefix(line, name+":") {
			continue
		}
		if !strings.Contains(line, "; want ") {
			tb.Errorf("%s: %q does not say what is accepted (\"; want ...\")", name, line)
		}
		if m := goErrorText.FindString(line); m != "" {
			tb.Errorf("%s: %q shows Go error text %q", name, line, m)
		}
		return line
	}
	tb.Fatalf("%s: no line of the error names it:\n%v", name, err)
	return ""
}
