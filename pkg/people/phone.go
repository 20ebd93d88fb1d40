package people

import (
	"strings"
	"unicode"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// NormPhone writes a phone number as coordinators type it ("070-123 45 67",
// "+46 (0)70 123 45 67", "0046 70 123 45 67") in the international form
// the registers store and send messages to (+46701234567): spaces,
// hyphens, dots, slashes and brackets go, a leading "00" becomes "+", a
// Swedish number's trunk 0 becomes +46 (and a "(0)" after +46 goes). A
// number copied from an Arabic or Persian phone or text reads the same
// once plain has made its digits ASCII and dropped its direction marks
// (ADR 0126). It only does that, removes separators and applies those
// two prefixes: anything with a letter or a second "+" comes back trimmed
// and unchanged, so Contact refuses it in words rather than the register
// storing a guess.
func NormPhone(s string) string {
	t := strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range []rune(strings.TrimSpace(strings.Map(plain, t))) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case strings.ContainsRune(" -./()\u00a0\u2009\u202f\u2010\u2011\u2012\u2013", r):
		default:
			return t
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case strings.HasPrefix(n, "0"):
		n = "+46" + n[1:]
	}
	if strings.HasPrefix(n, "+460") {
		n = "+46" + n[4:] // "+46 (0)70 ..."
	}
	return n
}

// plain maps r as NormPhone reads it: a decimal digit of any script
// (Arabic-Indic ٠١٢, Persian ۰۱۲, full-width ０１２) to its ASCII digit, a
// full-width sign or the ideographic space to its ASCII form, and an
// invisible format character (Unicode's Cf: the direction marks a number
// copied out of Arabic or Persian text or a contact card carries, a
// zero-width space) to nothing, the rule blind.Query reads names by.
func plain(r rune) rune {
	switch {
	case unicode.Is(unicode.Cf, r):
		return -1
	case r >= '0' && r <= '9':
		return r
	case unicode.IsDigit(r):
		return '0' + digitValue(r)
	case r >= 0xff01 && r <= 0xff5e: // full-width ASCII
		return r - 0xfee0
	case r == '\u3000':
		return ' '
	}
	return r
}

// digitValue is a decimal digit's value. Unicode lays out every script's
// decimal digits as runs of ten from zero, some runs back to back (the
// mathematical digits), so the digits just below r, counted, say which.
func digitValue(r rune) rune {
	n := rune(0)
	for unicode.IsDigit(r - n - 1) {
		n++
	}
	return n % 10
}

// NormContact applies NormPhone to c's phone, in place; nil is left nil.
// The registers call it before Contact checks the record, on create and
// on every update, as they normalise interest tags.
func NormContact(c *typev1.Contact) {
	if c != nil && c.GetPhone() != "" {
		c.Phone = NormPhone(c.GetPhone())
	}
}
