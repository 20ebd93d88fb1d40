package ids

import (
	"sort"
	"testing"
)

func TestUUIDv7_SortsByCreation(t *testing.T) {
	t.Parallel()
	var s UUIDv7
	got := make([]string, 100)
	for i := range got {
		got[i] = s.New()
		if !Valid(got[i]) {
			t.Fatalf("id %q not valid", got[i])
		}
	}
	if !sort.StringsAreSorted(got) {
		t.Fatalf("UUIDv7 ids not sorted by creation: %v", got[:5])
	}
}

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"0190c3d2-7b1e-7cc0-9a4e-1f2d3c4b5a69", true},
		{"req_1", true},
		{"", false},
		{"a.b", false},
		{"a*", false},
		{"a>", false},
		{string(make([]byte, 65)), false},
	}
	for _, tt := range tests {
		if got := Valid(tt.in); got != tt.want {
			t.Errorf("Valid(%q)=%v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSequence(t *testing.T) {
	t.Parallel()
	s := &Sequence{Prefix: "p-"}
	if got, want := s.New(), "p-000001"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got, want := s.New(), "p-000002"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
