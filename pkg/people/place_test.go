package people

import "testing"

func TestNormPostcode(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"11455", "11455"},
		{"114 55", "11455"},
		{" 114\u00a055 ", "11455"},
		{"\u200f392 31\u200f", "39231"},
		{"١١٤٥٥", "11455"},
		{"114-55", "114-55"},
		{"SE 114 55", "SE11455"},
		{"", ""},
	} {
		if got := NormPostcode(c.in); got != c.want {
			t.Errorf("NormPostcode(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNormLine(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"Storgatan 12 B", "Storgatan 12 B"},
		{"  Storgatan 12 B ", "Storgatan 12 B"},
		{"\u200fStorgatan 12 B\u200f", "Storgatan 12 B"},
		{"\u202eStorgatan\u202c 12", "Storgatan 12"},
		{"Storgatan ١٢", "Storgatan 12"},
		{"a\nb", "a\nb"},
	} {
		if got := NormLine(c.in); got != c.want {
			t.Errorf("NormLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
