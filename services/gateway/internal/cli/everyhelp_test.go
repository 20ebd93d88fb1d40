package cli

import (
	"strings"
	"testing"
)

// TestEveryCommandsHelp walks every command mp help lists and asks it for
// help with -h, signed out: each answers with its flags or its line of
// the help, never "okänt kommando" (mp logout -h and mp whoami -h did,
// ADR 0149 "Left"), and without a call: signed out, mp dinners jobs list
// -h and mp guides rules set -h called through a client they did not
// have and panicked.
func TestEveryCommandsHelp(t *testing.T) {
	t.Parallel()
	run := signedOut(t)
	seen := map[string]bool{}
	for _, l := range strings.Split(helpText(env{lang: "sv"}), "\n") {
		if !strings.HasPrefix(l, "  mp ") {
			continue
		}
		var words []string
		for _, w := range strings.Fields(strings.TrimPrefix(l, "  mp ")) {
			if !subcommandRe.MatchString(w) {
				break
			}
			words = append(words, w)
		}
		// The words up to two spaces: the rest is the description.
		if cut, _, ok := strings.Cut(strings.TrimPrefix(l, "  mp "), "  "); ok && len(strings.Fields(cut)) < len(words) {
			words = words[:len(strings.Fields(cut))]
		}
		name := strings.Join(words, " ")
		if name == "" || name == "help" || seen[name] {
			continue
		}
		seen[name] = true
		out, err := run(append(words, "-h")...)
		if err != nil && strings.Contains(err.Error(), "okänt kommando") {
			t.Errorf("mp %s -h: %v", name, err)
			continue
		}
		if err == nil && strings.TrimSpace(out) == "" {
			t.Errorf("mp %s -h printed nothing", name)
		}
	}
	for _, name := range []string{"logout", "whoami"} {
		if out, err := run(name, "-h"); err != nil || out != "användning:\n"+helpLine(t, name)+"\n" {
			t.Errorf("mp %s -h: %v, %q; want its line of the help", name, err, out)
		}
	}
	if len(seen) < 30 {
		t.Errorf("walked %d commands; the help lists more", len(seen))
	}
}

// helpLine is mp help's line of command name.
func helpLine(t *testing.T, name string) string {
	t.Helper()
	for _, l := range strings.Split(helpText(env{lang: "sv"}), "\n") {
		if strings.HasPrefix(l, "  mp "+name+" ") {
			return l
		}
	}
	t.Fatalf("mp help has no line for %s", name)
	return ""
}
