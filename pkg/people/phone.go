package people

import (
	"strings"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// NormPhone writes a phone number as coordinators type it ("070-123 45 67",
// "+46 (0)70 123 45 67", "0046 70 123 45 67") in the international form
// the registers store and send messages to (+46701234567): spaces,
// hyphens, dots, slashes and brackets go, a leading "00" becomes "+", a
// Swedish number's trunk 0 becomes +46 (and a "(0)" after +46 goes). It
// only removes separators and applies those two prefixes: anything with
// a letter or a second "+" comes back trimmed and unchanged, so Contact
// refuses it in words rather than the register storing a guess.
func NormPhone(s string) string {
	t := strings.TrimSpace(s)
	var b strings.Builder
	for i, r := range t {
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

// NormContact applies NormPhone to c's phone, in place; nil is left nil.
// The registers call it before Contact checks the record, on create and
// on every update, as they normalise interest tags.
func NormContact(c *typev1.Contact) {
	if c != nil && c.GetPhone() != "" {
		c.Phone = NormPhone(c.GetPhone())
	}
}
