package catalog

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// TestReasonListsCapitalised holds every programme's reason lists to one
// form in every catalogue language: each choice starts with a capital, as
// a list's entries do ("Passar inte ihop"). Guides' were lower case
// ("passar inte ihop") beside mentoring's and dinners' (ADR 0149 "Left");
// pages that put a reason mid-line lower its first letter there.
func TestReasonListsCapitalised(t *testing.T) {
	t.Parallel()
	lists := []string{"reason.reject.", "reason.decline.", "reason.end.", "dinners.reject.", "dinners.decline.",
		"guides.reject.", "guides.decline.", "guides.end."}
	labels := map[string]bool{"reason": true, "party": true}
	n := 0
	for _, locale := range Locales() {
		for _, key := range Keys(locale) {
			for _, prefix := range lists {
				rest, ok := strings.CutPrefix(key, prefix)
				if !ok || labels[rest] {
					continue
				}
				n++
				text := Text(locale, key)
				if r, _ := utf8.DecodeRuneInString(text); unicode.IsLower(r) {
					t.Errorf("%s %s = %q: a list's choice starts with a capital", locale, key, text)
				}
			}
		}
	}
	if n < 60 {
		t.Errorf("checked %d reasons; the lists hold more", n)
	}
}
