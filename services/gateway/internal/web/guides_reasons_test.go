package web

import "testing"

// TestReasonMonthsPlural: a reason with a number of months takes the
// catalogue's plural form for that number (the number is passed, not its
// text), in Swedish and English.
func TestReasonMonthsPlural(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ lang, in, want string }{
		{"sv", "not entitled: permit older than 1 months", "har inte rätt: uppehållstillståndet är äldre än 1 månad"},
		{"sv", "not entitled: permit older than 24 months", "har inte rätt: uppehållstillståndet är äldre än 24 månader"},
		{"en", "not entitled: permit older than 1 months", "not entitled: permit older than 1 month"},
		{"en", "not entitled: permit older than 24 months", "not entitled: permit older than 24 months"},
		{"sv", "entitled: inside the 1-month establishment period until 2027-01-31", "har rätt: inom etableringstiden på 1 månad, till och med 2027-01-31"},
		{"sv", "entitled: inside the 24-month establishment period until 2027-01-31", "har rätt: inom etableringstiden på 24 månader, till och med 2027-01-31"},
		{"en", "entitled: inside the 1-month establishment period until 2027-01-31", "entitled: inside the 1-month establishment period until 2027-01-31"},
	} {
		if got := reasonWords(&page{Lang: tt.lang}, tt.in); got != tt.want {
			t.Errorf("%s %q = %q, want %q", tt.lang, tt.in, got, tt.want)
		}
	}
}
