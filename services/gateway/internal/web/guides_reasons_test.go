package web

import "testing"

// TestReasonWords: a guide page words an eligibility reason in its own
// language (catalog.EligibilityReason holds the table of reasons and
// their plural forms).
func TestReasonWords(t *testing.T) {
	t.Parallel()
	in := "not entitled: permit older than 1 months"
	for lang, want := range map[string]string{
		"sv": "har inte rätt: uppehållstillståndet är äldre än 1 månad",
		"en": "not entitled: permit older than 1 month",
	} {
		if got := reasonWords(&page{Lang: lang}, in); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
}
