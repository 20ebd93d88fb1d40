package cli

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
)

// TestSaveDiskFullInWords: a -o whose writes fail once the file is open
// (the disk filled up: /dev/full refuses every write with ENOSPC) is said
// in the user's words by both commands that save, and nothing is printed
// as saved. mp report export streams the download into the file, and
// only its open and close were put in words (eb28a36): a write that
// failed came out as Go's "write /dev/full: no space left on device"
// (review, ADR 0181).
func TestSaveDiskFullInWords(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	mount := func(mux *http.ServeMux) {
		mux.Handle(gatewayv1connect.NewMatchingServiceHandler(fakeWaiting{}))
		mux.HandleFunc("GET /reports/export.csv", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			_, _ = w.Write([]byte("kommun;nyanlända\nStockholm;3\n"))
		})
	}
	for _, tt := range []struct {
		lang, want string
		args       []string
	}{
		{"sv", "kunde inte spara i /dev/full: disken är full", []string{"report", "export", "-o", "/dev/full"}},
		{"en", "could not save in /dev/full: the disk is full", []string{"report", "export", "-o", "/dev/full"}},
		{"sv", "kunde inte spara i /dev/full: disken är full", []string{"matching", "waiting", "-page-size", "3", "-o", "/dev/full"}},
	} {
		out, err := runServices(t, tt.lang, mount, tt.args...)
		if err == nil || err.Error() != tt.want || strings.Contains(out, "/dev/full") {
			t.Errorf("%s mp %s: got %v, printed %q; want %q, nothing saved", tt.lang, strings.Join(tt.args, " "), err, out, tt.want)
		}
	}
}
