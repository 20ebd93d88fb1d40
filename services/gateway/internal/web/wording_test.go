package web

import (
	"regexp"
	"testing"
)

// TestSwedishSaysEtableringslots: the guides programme is
// "etableringslots" in DOMAIN.md, and every Swedish text says lots
// ("lotsorganisation", "en lots"), never "etableringsguide" or "guide"
// (the outside round of session 20 found both words on the pages, in the
// mailbox and on the answer page).
func TestSwedishSaysEtableringslots(t *testing.T) {
	t.Parallel()
	guide := regexp.MustCompile(`(?i)guid`)
	for k, s := range Catalogue("sv") {
		if guide.MatchString(s) {
			t.Errorf("%s = %q: says guide, the domain's word is lots", k, s)
		}
	}
}
