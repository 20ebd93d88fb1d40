package api

import "testing"

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
