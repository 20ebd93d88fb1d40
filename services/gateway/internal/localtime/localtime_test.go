package localtime

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestFormat pins one instant in winter and one in summer, given in UTC:
// Stockholm is UTC+1 (CET) in January and UTC+2 (CEST) in July, and the
// change nights fall on the Sunday the EU rules say.
func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"winter", time.Date(2026, 1, 15, 13, 5, 0, 0, time.UTC), "2026-01-15 14:05:00 CET"},
		{"summer", time.Date(2026, 7, 15, 12, 5, 0, 0, time.UTC), "2026-07-15 14:05:00 CEST"},
		{"UTC evening is the next day", time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2027-01-01 00:30:00 CET"},
		{"last minute of summer time", time.Date(2026, 10, 25, 0, 59, 0, 0, time.UTC), "2026-10-25 02:59:00 CEST"},
		{"first minute of winter time", time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), "2026-10-25 02:00:00 CET"},
		{"another zone's instant", time.Date(2026, 3, 1, 9, 0, 0, 0, time.FixedZone("EST", -5*3600)), "2026-03-01 15:00:00 CET"},
	}
	for _, tt := range tests {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("%s: Format(%v) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if got := Stamp(timestamppb.New(tt.in)); got != tt.want {
			t.Errorf("%s: Stamp(%v) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
	if got := Stamp(nil); got != "-" {
		t.Errorf("Stamp(nil) = %q, want -", got)
	}
}
