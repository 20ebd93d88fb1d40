package cli

import (
	"regexp"
	"strings"
	"testing"
)

// flagLineRe is a flag's line in a command's -h: "  -email värde".
var flagLineRe = regexp.MustCompile(`(?m)^  -([a-z][a-z-]*)`)

// TestAddHelpNamesEveryFlag: mp help's lines of the commands that
// register a person name every flag the command takes. ADR 0249 gave
// participants add and volunteers add -email and -phone, but mp help
// still showed neither, so a coordinator reading it added people no
// message could reach (outside round s45, ADR 0251).
func TestAddHelpNamesEveryFlag(t *testing.T) {
	t.Parallel()
	run := signedOut(t)
	for _, lang := range []string{"sv", "en"} {
		for _, cmd := range [][]string{{"participants", "add"}, {"volunteers", "add"}} {
			out, _ := run(append(cmd, "-h")...)
			flags := flagLineRe.FindAllStringSubmatch(out, -1)
			if len(flags) < 10 {
				t.Fatalf("mp %s -h lists %d flags:\n%s", strings.Join(cmd, " "), len(flags), out)
			}
			lines, _, _, _ := groupHelp(env{lang: lang}, cmd)
			for _, f := range flags {
				if !regexp.MustCompile(`-` + regexp.QuoteMeta(f[1]) + `\b[^-]`).MatchString(lines + " ") {
					t.Errorf("%s: mp help's mp %s does not name -%s:\n%s", lang, strings.Join(cmd, " "), f[1], lines)
				}
			}
		}
	}
}
