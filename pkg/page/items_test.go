package page

import (
	"slices"
	"strings"
	"testing"
)

func TestItems(t *testing.T) {
	t.Parallel()
	items := []string{"a", "b", "c", "d", "e", "f"}
	notC := func(s string) bool { return s != "c" }
	id := func(s string) string { return s }
	for _, tc := range []struct {
		name      string
		keep      func(string) bool
		after     string
		limit     int
		want      []string
		wantNext  string
		wantTotal int
	}{
		{"first page", nil, "", 2, []string{"a", "b"}, "b", 6},
		{"skips what keep refuses, in the page and the total", notC, "b", 2, []string{"d", "e"}, "e", 5},
		{"last page", notC, "e", 2, []string{"f"}, "", 5},
		{"past the end", nil, "z", 2, nil, "", 6},
		{"all on one page", nil, "", 10, items, "", 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, next, total := Items(items, id, tc.keep, tc.after, tc.limit)
			if !slices.Equal(got, tc.want) || total != tc.wantTotal {
				t.Errorf("got %q (total %d), want %q (total %d)", strings.Join(got, ","), total, strings.Join(tc.want, ","), tc.wantTotal)
			}
			if after, _ := Decode(next); after != tc.wantNext || (tc.wantNext == "") != (next == "") {
				t.Errorf("next token names %q, want %q", after, tc.wantNext)
			}
		})
	}
}
