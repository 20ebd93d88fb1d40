package cli

import (
	"strings"
	"testing"
)

// TestGroupHelp asks for help after a group of commands, as mp help says
// to ("Skriv -h efter ett kommando"): each prints the group's commands
// and only them, without a sign-in; they said "okänt kommando "dinners
// -h"; se mp help". A command's own -h still prints its flags, and a
// command that is also a group ("guides rules") lists both lines.
func TestGroupHelp(t *testing.T) {
	t.Parallel()
	run := signedOut(t)
	for _, words := range [][]string{{"participants"}, {"volunteers"}, {"jobs"}, {"proposals"}, {"dinners"}, {"dinners", "offers"},
		{"dinners", "signups"}, {"dinners", "jobs"}, {"guides"}, {"guides", "jobs"}, {"guides", "rules"}, {"mailbox"}, {"deadletters"}} {
		name := strings.Join(words, " ")
		for _, flag := range []string{"-h", "--help"} {
			out, err := run(append(words, flag)...)
			if err != nil || !strings.HasPrefix(out, "användning:\n  mp "+name+" ") {
				t.Errorf("mp %s %s: %v, %q; want the group's commands", name, flag, err, out)
				continue
			}
			n := 0
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "  mp ") {
					n++
					if !strings.HasPrefix(l, "  mp "+name+" ") {
						t.Errorf("mp %s %s lists %q", name, flag, l)
					}
				}
			}
			if n < 2 {
				t.Errorf("mp %s %s lists %d commands:\n%s", name, flag, n, out)
			}
		}
	}
	if out, err := run("participants", "add", "-h"); err != nil || !strings.Contains(out, "flaggor för mp participants add") {
		t.Errorf("mp participants add -h: %v, %q; want its flags", err, out)
	}
	if out, _ := run("guides", "rules", "-h"); !strings.Contains(out, "  mp guides rules set ") {
		t.Errorf("mp guides rules -h: %q; want rules and rules set", out)
	}
	if _, err := run("dinners", "nope", "-h"); err == nil || !strings.Contains(err.Error(), `okänt kommando "dinners nope`) {
		t.Errorf("mp dinners nope -h: %v; want an unknown command", err)
	}
}
