package catalog

import "testing"

// TestEligibilityReason: a reason takes the catalogue's words in Swedish
// and English, with a number of months in the plural form that number
// takes (the number is passed, not its text); one the catalogue does not
// know comes back as the service wrote it.
func TestEligibilityReason(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ lang, in, want string }{
		{"sv", "not entitled: permit older than 1 months", "har inte rätt: uppehållstillståndet är äldre än 1 månad"},
		{"sv", "not entitled: permit older than 24 months", "har inte rätt: uppehållstillståndet är äldre än 24 månader"},
		{"en", "not entitled: permit older than 1 months", "not entitled: permit older than 1 month"},
		{"en", "not entitled: permit older than 24 months", "not entitled: permit older than 24 months"},
		{"sv", "entitled: inside the 1-month establishment period until 2027-01-31", "har rätt: inom etableringstiden på 1 månad, till och med 2027-01-31"},
		{"sv", "entitled: inside the 24-month establishment period until 2027-01-31", "har rätt: inom etableringstiden på 24 månader, till och med 2027-01-31"},
		{"en", "entitled: inside the 1-month establishment period until 2027-01-31", "entitled: inside the 1-month establishment period until 2027-01-31"},
		{"sv", "not entitled: no residence permit recorded", "har inte rätt: inget uppehållstillstånd registrerat"},
		{"sv", "entitled: a rule of a newer service", "entitled: a rule of a newer service"},
		{"sv", "no head at all", "no head at all"},
	} {
		if got := EligibilityReason(tt.lang, tt.in); got != tt.want {
			t.Errorf("%s %q = %q, want %q", tt.lang, tt.in, got, tt.want)
		}
	}
}
