package lang

import "testing"

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"ar", true}, {"ti", true}, {"so", true}, {"prs", true}, {"uk", true}, {"en", true}, {"sv", true},
		{"tir", false}, {"ara", false}, {"eng", false}, {"ckb", true},
		{"AR", false}, {"xx", false}, {"", false}, {"arabic", false}, {"e", false},
	}
	for _, tt := range tests {
		if got := Valid(tt.in); got != tt.want {
			t.Errorf("Valid(%q)=%v, want %v", tt.in, got, tt.want)
		}
	}
}
