package web

import (
	"net/http/httptest"
	"testing"
)

// TestPagerNoPreviousOnTheFirstPage: a list's first page (no page token)
// links no previous page, also when its address carries a "back" made by
// hand (outside round s42: "Föregående sida" on page 1 led to an error
// page); a second page reached by the next link links back to the first.
func TestPagerNoPreviousOnTheFirstPage(t *testing.T) {
	p := &page{Lang: "sv"}
	for _, target := range []string{"/dinners/jobs/j/unseated?back=forged", "/dinners/jobs/j/unseated?back=&back=x"} {
		pg := newPager(p, httptest.NewRequest("GET", target, nil), "", "", 50, 50, 120, "tok2")
		if pg.Prev != "" {
			t.Errorf("%s: previous page %q on the first page", target, pg.Prev)
		}
		if pg.Next == "" {
			t.Errorf("%s: no next page", target)
		}
	}
	first := newPager(p, httptest.NewRequest("GET", "/dinners/jobs/j/unseated", nil), "", "", 50, 50, 120, "tok2")
	second := newPager(p, httptest.NewRequest("GET", first.Next, nil), "", "", 50, 50, 120, "tok3")
	if want := "/dinners/jobs/j/unseated?at=0&page_token="; second.Prev != want {
		t.Errorf("second page's previous link %q, want %q", second.Prev, want)
	}
}
