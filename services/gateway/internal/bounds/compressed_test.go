package bounds

import (
	"net/http"
	"testing"
)

// TestCompressed: any content coding but identity, in any of the header's
// values or list items, in any case, marks a body compressed.
func TestCompressed(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   []string
		want bool
	}{
		{"none", nil, false},
		{"empty", []string{""}, false},
		{"identity", []string{"identity"}, false},
		{"Identity, spaced", []string{" Identity "}, false},
		{"gzip", []string{"gzip"}, true},
		{"GZIP", []string{"GZIP"}, true},
		{"deflate", []string{"deflate"}, true},
		{"identity then gzip in a list", []string{"identity, gzip"}, true},
		{"gzip in a second header", []string{"identity", "gzip"}, true},
		{"br", []string{"br"}, true},
	} {
		h := http.Header{}
		for _, v := range tt.in {
			h.Add("Content-Encoding", v)
		}
		if got := Compressed(h); got != tt.want {
			t.Errorf("%s: Compressed = %t, want %t", tt.name, got, tt.want)
		}
	}
}
