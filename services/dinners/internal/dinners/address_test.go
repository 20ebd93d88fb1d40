package dinners

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
)

// TestAddressRefusalSaysWhatIsWrong: an address with an invisible
// control (a bidi override reorders it in the guest's message) is refused
// as holding one, not as "one line of text", which its sender could not
// make sense of (ADR 0256); two lines and spaces around keep their words.
func TestAddressRefusalSaysWhatIsWrong(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Storgatan 1", ""},
		{"Storgatan 1\u202e", "must not contain control characters"},
		{"Stor\u2066gatan 1", "must not contain control characters"},
		{"Storgatan\x001", "must not contain control characters"},
		{"Storgatan 1\nLgh 1102", "must be one line of text without leading or trailing spaces"},
		{"Storgatan 1\u2028Lgh 1102", "must be one line of text without leading or trailing spaces"},
		{" Storgatan 1", "must be one line of text without leading or trailing spaces"},
	} {
		var v apperr.Validator
		validAddress(&v, "offer.address", c.in)
		got := ""
		for _, fv := range apperr.Violations(v.Err()) {
			got = fv.Description
		}
		if got != c.want {
			t.Errorf("%q: %q, want %q", c.in, got, c.want)
		}
	}
}
