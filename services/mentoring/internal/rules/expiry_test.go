package rules

import (
	"testing"
	"time"
)

// TestOfferExpiresAtTheEndOfTheDay (ADR 0148): an offer lapses at the end
// of the day, Stockholm time, that offer_expiry_days after its approval
// falls on, not at the approval's minute: the message's "svara senast"
// day is the whole day. Summer time and an approval after midnight in
// Stockholm but not in UTC count Stockholm's day.
func TestOfferExpiresAtTheEndOfTheDay(t *testing.T) {
	t.Parallel()
	r := &Rules{OfferExpiryDays: 14}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, approved, want string
	}{
		{"winter, 01:17 in Stockholm", "2026-12-05T00:17:00Z", "2026-12-19T22:59:59Z"},
		{"after midnight in Stockholm only", "2026-12-05T23:30:00Z", "2026-12-20T22:59:59Z"},
		{"into summer time", "2026-03-20T10:00:00Z", "2026-04-03T21:59:59Z"},
		{"the last second of a day", "2026-12-05T22:59:59Z", "2026-12-19T22:59:59Z"},
	}
	for _, tt := range tests {
		if got := r.OfferExpiry(utc(tt.approved)); !got.Equal(utc(tt.want)) {
			t.Errorf("%s: approved %s expires %s, want %s", tt.name, tt.approved, got.UTC().Format(time.RFC3339), tt.want)
		}
	}
}
