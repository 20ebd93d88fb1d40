package people

import "strings"

// NormPostcode writes a postcode as people type it, "114 55" as Swedish
// addresses print it, one copied from right-to-left text with its
// invisible direction marks, or in Arabic-Indic digits, as the five ASCII
// digits the programmes store (11455): plain's digits, no spaces. Anything
// else (a letter, a hyphen) is left in, for the programme to refuse in
// words (ADR 0131).
func NormPostcode(s string) string {
	return strings.Join(strings.Fields(strings.Map(plain, s)), "")
}

// NormLine is one line of text as typed, a street address: trimmed, its
// digits plain and without the invisible format characters (Cf) text
// copied from a right-to-left page carries, which the programmes refuse
// (and the dinners service named "spaces first or last"; ADR 0131).
func NormLine(s string) string {
	return strings.TrimSpace(strings.Map(plain, s))
}
