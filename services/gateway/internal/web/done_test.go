package web

import (
	"net/http/httptest"
	"testing"
)

// TestBulkFlashOnlyForCountsAnApprovalHas: the matching page's message
// after a bulk approval is read from its address, so any link could make
// it say "9223372036854775807 förslag godkändes och erbjöds båda." or "0
// förslag godkändes" for an approval that never was (outside round s43).
// Counts one bulk approval cannot have (over maxBulk in all, negative,
// not a number) now give no message; the redirect's own still read.
func TestBulkFlashOnlyForCountsAnApprovalHas(t *testing.T) {
	t.Parallel()
	p := &page{Lang: "sv"}
	for q, want := range map[string]string{
		"done=bulk&approved=5&failed=2":                    "5 förslag godkändes och erbjöds båda. 2 gick inte att godkänna (de kan redan ha behandlats).",
		"done=bulk&approved=1&failed=0":                    "1 förslag godkändes och erbjöds båda.",
		"done=bulk&approved=500&failed=0":                  "500 förslag godkändes och erbjöds båda.",
		"done=bulk&approved=9223372036854775807&failed=0":  "",
		"done=bulk&approved=99999999999999999999&failed=0": "",
		"done=bulk&approved=400&failed=101":                "",
		"done=bulk&approved=-3&failed=1":                   "",
		"done=bulk&approved=x&failed=1":                    "",
		"done=bulk&approved=%E2%80%AE12&failed=x":          "",
		"done=bulk": "",
	} {
		if got := matchingFlash(p, httptest.NewRequest("GET", "/matching?"+q, nil)); got != want {
			t.Errorf("%s: %q, want %q", q, got, want)
		}
	}
}
