package people_test

import (
	"testing"

	"github.com/motesplats/motesplats/pkg/apperr"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/people"
)

// TestNormPhone: the ways a coordinator writes a Swedish or a foreign
// number become the stored international form, which Contact accepts;
// what is not a phone number is left for Contact to refuse.
func TestNormPhone(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		valid    bool
	}{
		{"070-123 45 67", "+46701234567", true},
		{"070 123 45 67", "+46701234567", true},
		{"0701234567", "+46701234567", true},
		{"+46 70 123 45 67", "+46701234567", true},
		{"+46 (0)70-123 45 67", "+46701234567", true},
		{"0046 70 123 45 67", "+46701234567", true},
		{"08-123 456 78", "+46812345678", true},
		{" +46701234567 ", "+46701234567", true},
		{"070\u00a0123\u00a045\u00a067", "+46701234567", true},
		{"+44 20 7946 0958", "+442079460958", true},
		{"+46701234567", "+46701234567", true},
		{"070-ABC", "070-ABC", false},
		{"+46+701234567", "+46+701234567", false},
		{"0", "+46", false},
		{"", "", true},
	} {
		got := people.NormPhone(c.in)
		if got != c.want {
			t.Errorf("NormPhone(%q) = %q, want %q", c.in, got, c.want)
		}
		var v apperr.Validator
		people.Contact(&v, "contact", &typev1.Contact{Phone: got})
		if v.Valid() != c.valid {
			t.Errorf("NormPhone(%q) = %q: valid %v, want %v", c.in, got, v.Valid(), c.valid)
		}
	}
	people.NormContact(nil) // no panic on a record without contact details
}
