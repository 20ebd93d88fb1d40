package server

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// TestHeadSize: headSize counts a request's head as it came over the
// wire, the bytes net/http holds against MaxHeaderBytes, so maxHead
// means what it says.
func TestHeadSize(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n",
		"POST /participants?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nCookie: a=1; b=2\r\nAccept-Language: sv\r\nX-Two: 1\r\nX-Two: 2\r\nContent-Length: 0\r\n\r\n",
	} {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if got := headSize(r); got != len(raw) {
			t.Errorf("headSize = %d, want %d for %q", got, len(raw), raw)
		}
	}
}
