package api

import (
	"testing"
	"time"
)

func TestAddrBucket(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"192.0.2.1:443", "192.0.2.1"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"not an address", "not an address"},
	}
	for _, tt := range tests {
		if got := AddrBucket(tt.in); got != tt.want {
			t.Errorf("AddrBucket(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWaitText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "1s"}, {300 * time.Millisecond, "1s"}, {20 * time.Second, "20s"}, {19*time.Second + time.Millisecond, "20s"},
		{time.Minute, "1m"}, {14*time.Minute + 59*time.Second, "15m"}, {15 * time.Minute, "15m"},
	}
	for _, tt := range tests {
		if got := waitText(tt.in); got != tt.want {
			t.Errorf("waitText(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
