package web

import (
	"net/http"
	"testing"
)

func TestRemoteAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		proxies int
		xff     []string
		want    string
	}{
		{"no proxy ignores the header", 0, []string{"203.0.113.9"}, "192.0.2.1"},
		{"one proxy takes the rightmost hop", 1, []string{"203.0.113.9"}, "203.0.113.9"},
		{"a spoofed hop left of the proxy's is ignored", 1, []string{"10.0.0.1, 203.0.113.9"}, "203.0.113.9"},
		{"hops across several headers", 1, []string{"10.0.0.1", "203.0.113.9"}, "203.0.113.9"},
		{"two proxies", 2, []string{"10.0.0.1, 203.0.113.9, 198.51.100.7"}, "203.0.113.9"},
		{"fewer hops than proxies falls back to the peer", 2, []string{"203.0.113.9"}, "192.0.2.1"},
		{"no header falls back to the peer", 1, nil, "192.0.2.1"},
		{"a hop that is no address falls back to the peer", 1, []string{"evil"}, "192.0.2.1"},
		{"IPv6", 1, []string{"2001:db8::1"}, "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = "192.0.2.1:5555"
			for _, h := range tt.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := RemoteAddr(tt.proxies)(r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
