package apart

import "testing"

// TestNamed: a person is named as the registers name them, by the
// municipality's name, never its SCB code; an erased person ("") stays
// unnamed, and a code the table lacks (old data) is shown as it is.
func TestNamed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, code, want string }{
		{"Ayaan Yusuf", "1980", "Ayaan Yusuf, Västerås"},
		{"Ayaan Yusuf", "0580", "Ayaan Yusuf, Linköping"},
		{"Omar Mohamed", "1880", "Omar Mohamed, Örebro"},
		{"", "1980", ""},
		{"Omar Mohamed", "", "Omar Mohamed"},
		{"Omar Mohamed", "9999", "Omar Mohamed, 9999"},
	} {
		if got := Named(c.name, c.code); got != c.want {
			t.Errorf("Named(%q, %q) = %q, want %q", c.name, c.code, got, c.want)
		}
	}
}
