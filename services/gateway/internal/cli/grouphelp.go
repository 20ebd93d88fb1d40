package cli

import (
	"regexp"
	"strings"
)

// helpText is what mp help prints after its first line: every command
// with its flags, in the run's language.
func helpText(e env) string {
	return e.t("help.main") + e.t("help.users") + e.t("help.volunteers") + e.t("help.dinners") + e.t("help.guides") + e.t("help.messages") +
		e.t("help.consent") + e.t("help.deadletters")
}

// subcommandRe is a command word after a group's words in a help line
// ("list" in "mp dinners offers list"), not a flag or an argument's
// placeholder ("-seats", "[-yes]", "ID").
var subcommandRe = regexp.MustCompile(`^[a-z][a-z-]*$`)

// groupHelp is the help text's lines of the commands under words, a group
// of commands ("dinners", "dinners offers", "jobs"), with the lines that
// continue them. group says words name a group; leaf that they are also a
// command of their own ("guides rules", beside "guides rules set"), whose
// -h prints its flags; bare that words are a command that takes nothing
// (its line holds only its words and what it does: "mp logout"). mp help
// says to write -h after a command, and "mp dinners -h" or "mp jobs -h"
// answered "okänt kommando".
func groupHelp(e env, words []string) (lines string, group, leaf, bare bool) {
	prefix := "  mp " + strings.Join(words, " ") + " "
	var b strings.Builder
	in := false
	for _, l := range strings.Split(helpText(e), "\n") {
		switch {
		case strings.HasPrefix(l, prefix):
			in = true
			next, _, _ := strings.Cut(strings.TrimPrefix(l, prefix), " ")
			switch {
			case next == "":
				leaf, bare = true, true
			case subcommandRe.MatchString(next):
				group = true
			default:
				leaf = true
			}
		case strings.HasPrefix(l, "  mp ") || strings.TrimSpace(l) == "":
			in = false
		}
		if in {
			b.WriteString(l + "\n")
		}
	}
	return b.String(), group, leaf, bare
}

// askedGroupHelp answers "mp WORDS -h" and "mp WORDS" for a group of
// commands: its lines, as text to print (-h) or as the error of a command
// left unfinished; and "mp WORDS -h" for a command that takes nothing,
// which said "okänt kommando" (mp logout, mp whoami) or ran as if -h were
// not there (mp dinners jobs list), with its line. ok is false for
// anything else, which runs as before.
func askedGroupHelp(e env, cmd string, args []string) (text string, unfinished, ok bool) {
	words := append([]string{cmd}, args...)
	if n := len(words); n > 1 && isHelpFlag(words[n-1]) {
		words = words[:n-1]
	} else {
		unfinished = true
	}
	for _, w := range words {
		if strings.HasPrefix(w, "-") {
			return "", false, false
		}
	}
	lines, group, leaf, bare := groupHelp(e, words)
	asked := group && !(unfinished && leaf)
	if !asked && !(bare && !unfinished) {
		return "", false, false
	}
	return e.t("usage.word") + "\n" + strings.TrimSuffix(lines, "\n"), unfinished, true
}

// isHelpFlag says whether a is one of the ways to ask a command for help.
func isHelpFlag(a string) bool { return a == "-h" || a == "-help" || a == "--help" }
