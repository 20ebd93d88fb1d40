package people

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// InvisibleProblem is the refusal of a name holding an invisible format
// character (Unicode's Cf): a soft hyphen or zero-width space pasted
// from a web page or a word processor, a direction mark. They are not
// control characters, which the refusal said before (ADR 0264), and the
// one who typed the name cannot see them, so the words say what they are.
const InvisibleProblem = "must not contain invisible characters (soft hyphens, zero-width spaces, direction marks)"

// ControlProblem is the refusal of a name holding a control character
// (a line break, a tab, a NUL).
const ControlProblem = "must not contain control characters"

// NormName is a name as stored: NFC (a letter typed with a combining
// mark is the one letter), and every Unicode space (a no-break space
// from a word processor, an ideographic space) an ordinary space, which
// the name rules then hold it to. Nothing else changes: what is invalid
// stays invalid, so the caller is told rather than having the name
// silently rewritten.
func NormName(s string) string {
	if !utf8.ValidString(s) {
		return s
	}
	s = strings.Map(func(r rune) rune {
		if r != ' ' && unicode.Is(unicode.Zs, r) {
			return ' '
		}
		return r
	}, s)
	return norm.NFC.String(s)
}

// NameRuneProblem is the refusal of the first character in s that a
// name may not hold, or "" when there is none. The zero-width
// (non-)joiners that Persian, Dari and Indic names need are let in
// between two characters of a word; ordinary spaces are letters'
// company; every other invisible format character, and a joiner that
// joins nothing (at the start or end of the name or of a word, next to
// another joiner), is InvisibleProblem, anything else not printable
// ControlProblem. A joiner joining nothing let a name be nothing but
// joiners, "\u200d": an organisation or a person with an invisible name,
// listed blank in every picker (sweep48, ADR 0267). So is a character
// that draws nothing though it is printable (blankRune).
func NameRuneProblem(s string) string {
	i := strings.IndexFunc(s, notNameRune)
	if i < 0 {
		if strayJoiner(s) || hasBlank(s) {
			return InvisibleProblem
		}
		return ""
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	if unicode.Is(unicode.Cf, r) {
		return InvisibleProblem
	}
	return ControlProblem
}

// strayJoiner reports whether s holds a zero-width (non-)joiner that is
// not between two characters of a word.
func strayJoiner(s string) bool {
	prev := ' ' // the start of the name is a word's edge
	for _, r := range s {
		if isJoiner(r) && (prev == ' ' || isJoiner(prev)) || r == ' ' && isJoiner(prev) {
			return true
		}
		prev = r
	}
	return isJoiner(prev)
}

// hasBlank reports whether s holds a character that draws nothing though
// unicode.IsPrint takes it (a letter or a mark): Unicode's default-ignorable
// ones that are no format character (the combining grapheme joiner, the
// Hangul fillers, Khmer's inherent vowels), the blank braille pattern,
// and a variation selector anywhere but after a symbol, where it picks an
// emoji's look, or (Mongolian's) after a Mongolian letter. Each let a name be blank ("\u3164" listed as nothing in
// every picker) or a lookalike that compares apart from the name it
// copies ("Kalmar\u034f"; outside49, ADR 0274).
func hasBlank(s string) bool {
	prev := ' '
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Variation_Selector, r):
			// Mongolian's own selectors choose a letter's form.
			if !unicode.IsSymbol(prev) && !unicode.Is(unicode.Mongolian, prev) {
				return true
			}
		case unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r), r == '\u2800':
			return true
		}
		prev = r
	}
	return false
}

// isJoiner reports whether r is a zero-width non-joiner or joiner.
func isJoiner(r rune) bool { return r == '\u200c' || r == '\u200d' }

// notNameRune rejects control and other invisible characters, except the
// zero-width (non-)joiners that Persian, Dari and Indic names need.
func notNameRune(r rune) bool {
	return !unicode.IsPrint(r) && !isJoiner(r)
}
