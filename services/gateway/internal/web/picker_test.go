package web

import (
	"fmt"
	"testing"
)

// TestReadPickerPagesThrough: a dinners form's person picker reads every
// page up to pickerPages, so a host or guest after the first 2,000
// records is offered (four pages of 500 were read, and the rest silently
// left out); beyond the cap it says it stopped (Cut) with the list's
// total, for the form's "narrow the list" note.
func TestReadPickerPagesThrough(t *testing.T) {
	t.Parallel()
	list := func(pages int) pickerPage {
		return func(token string) ([]dinnerChoice, string, int32, error) {
			k := 0
			if token != "" {
				if _, err := fmt.Sscanf(token, "p%d", &k); err != nil {
					return nil, "", 0, err
				}
			}
			next := ""
			if k+1 < pages {
				next = fmt.Sprintf("p%d", k+1)
			}
			// One host per page of 500 records.
			return []dinnerChoice{{Value: fmt.Sprintf("host-%d", k)}}, next, int32(500 * pages), nil
		}
	}
	for _, tt := range []struct {
		pages, offered int
		cut            bool
	}{
		{1, 1, false},
		{5, 5, false}, // the fifth page's host was never offered
		{pickerPages, pickerPages, false},
		{pickerPages + 1, pickerPages, true},
	} {
		got, err := readPicker(list(tt.pages))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.People) != tt.offered || got.Cut != tt.cut || got.Total != 500*tt.pages {
			t.Errorf("%d pages: %d offered, cut %t, total %d; want %d, %t, %d", tt.pages, len(got.People), got.Cut, got.Total, tt.offered, tt.cut, 500*tt.pages)
		}
	}
	// A page token that does not move (a service bug) ends the reading.
	same := func(string) ([]dinnerChoice, string, int32, error) { return []dinnerChoice{{Value: "x"}}, "t", 1, nil }
	if got, _ := readPicker(same); len(got.People) != 2 || got.Cut {
		t.Errorf("a token that does not move: %d read, cut %t", len(got.People), got.Cut)
	}
}
