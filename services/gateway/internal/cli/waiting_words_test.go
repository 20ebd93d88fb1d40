package cli

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
)

// fakeWaiting answers a first page of the waiting list of as many rows as
// asked for, out of 599, and an empty last page after it (mp reads on past
// its -page-size rows to tell namesakes apart, ADR 0188).
type fakeWaiting struct {
	gatewayv1connect.UnimplementedMatchingServiceHandler
}

func (fakeWaiting) ListWaitingNewcomers(_ context.Context, r *connect.Request[gatewayv1.ListWaitingNewcomersRequest]) (*connect.Response[gatewayv1.ListWaitingNewcomersResponse], error) {
	res := &gatewayv1.ListWaitingNewcomersResponse{TotalSize: 599}
	if r.Msg.GetPageToken() != "" {
		return connect.NewResponse(res), nil
	}
	res.NextPageToken = "more"
	for i := range r.Msg.GetPageSize() {
		res.Newcomers = append(res.Newcomers, &gatewayv1.WaitingNewcomerView{ParticipantId: "p" + string(rune('a'+i)), ParticipantName: "Hamza Bondarenko",
			MunicipalityCode: "0180", WaitStartTime: timestamppb.New(time.Now().Add(-time.Duration(i) * time.Hour))})
	}
	return connect.NewResponse(res), nil
}

// TestWaitingTotalReadsInBothNumbers: -page-size 1 says "den som väntat
// längst av 599", not "de 1 som väntat längst" (outside round s31), and
// -page-size 2 keeps the plural, in Swedish and English.
func TestWaitingTotalReadsInBothNumbers(t *testing.T) {
	t.Parallel()
	mount := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(fakeWaiting{})) }
	for _, tt := range []struct{ lang, size, want, not string }{
		{"sv", "1", "den som väntat längst av 599; utan -page-size: alla", "de 1 "},
		{"sv", "2", "de 2 som väntat längst av 599", "den som"},
		{"en", "1", "the longest waiting of 599", "the 1 "},
		{"en", "2", "the 2 longest waiting of 599", "the longest waiting of 599"},
	} {
		out, err := runServices(t, tt.lang, mount, "matching", "waiting", "-page-size", tt.size)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, tt.want) || strings.Contains(out, tt.not) {
			t.Errorf("%s, -page-size %s: got\n%s\nwant it to hold %q and not %q", tt.lang, tt.size, out, tt.want, tt.not)
		}
	}
}

// TestWaitingFileIsPrivate: mp matching waiting -o leaves the file
// readable by the user alone, also when it existed before with a wider
// mode (os.WriteFile's mode applies only to a file it creates; outside
// round s31), and says how many lines it saved.
func TestWaitingFileIsPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "waiting.txt")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	mount := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(fakeWaiting{})) }
	out, err := runServices(t, "sv", mount, "matching", "waiting", "-page-size", "3", "-o", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "sparade 3 rader i "+path) {
		t.Errorf("mp said %q, want how many lines it saved", out)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o600 {
		t.Errorf("the file's mode is %o, want 600", got)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "old") || strings.Count(string(b), "\n") != 3 {
		t.Errorf("the file holds %q, want the 3 lines alone", b)
	}
}

// TestWaitingToday: someone who began waiting today has waited "i dag"
// ("today"), not "0 dagar" (outside round s31); earlier days keep their
// count (the fake's rows start an hour apart, so the 30th began 29 hours
// ago, on an earlier day whatever the hour).
func TestWaitingToday(t *testing.T) {
	t.Parallel()
	mount := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(fakeWaiting{})) }
	for _, tt := range []struct {
		lang, today string
		days        *regexp.Regexp
	}{
		{"sv", "(i dag)", regexp.MustCompile(`\([12] dag(ar)?\)$`)},
		{"en", "(today)", regexp.MustCompile(`\([12] days?\)$`)},
	} {
		out, err := runServices(t, tt.lang, mount, "matching", "waiting", "-page-size", "30")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if !strings.HasSuffix(lines[0], tt.today) || strings.Contains(out, "(0 ") {
			t.Errorf("%s: the first row began now; got %q, want it to end %q", tt.lang, lines[0], tt.today)
		}
		if len(lines) < 30 || !tt.days.MatchString(lines[29]) {
			t.Errorf("%s: the 30th row began 29 hours ago; got\n%s", tt.lang, out)
		}
	}
}

// TestWaitingPageSizeInWords: a -page-size outside 1..500 is refused in
// the flag's words before anything is asked, not as the service's
// "between 0 and 500" (0 is all here; outside round s31).
func TestWaitingPageSizeInWords(t *testing.T) {
	t.Parallel()
	mount := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(fakeWaiting{})) }
	for _, tt := range []struct{ lang, size, want string }{
		{"sv", "-1", "-page-size tar 1 till 500"},
		{"sv", "501", "-page-size tar 1 till 500"},
		{"en", "-5", "-page-size takes 1 to 500"},
	} {
		_, err := runServices(t, tt.lang, mount, "matching", "waiting", "-page-size", tt.size)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s, -page-size %s: got %v, want %q", tt.lang, tt.size, err, tt.want)
		}
	}
}

// TestSaveRefusedInWords: an -o that cannot be written is said in the
// user's language, not as Go's "open ...: no such file or directory"
// (outside round s31), and nothing is printed as saved.
func TestSaveRefusedInWords(t *testing.T) {
	t.Parallel()
	mount := func(mux *http.ServeMux) { mux.Handle(gatewayv1connect.NewMatchingServiceHandler(fakeWaiting{})) }
	dir := t.TempDir()
	for _, tt := range []struct{ lang, path, want string }{
		{"sv", filepath.Join(dir, "finns-inte", "lista.txt"), "mappen finns inte"},
		{"en", filepath.Join(dir, "missing", "list.txt"), "the folder does not exist"},
		{"sv", dir, "det är en mapp; ange ett filnamn"},
	} {
		out, err := runServices(t, tt.lang, mount, "matching", "waiting", "-page-size", "3", "-o", tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) ||
			strings.Contains(err.Error(), "no such file") || strings.Contains(out, tt.path) {
			t.Errorf("%s -o %s: got %v, printed %q; want %q with the path, nothing saved", tt.lang, tt.path, err, out, tt.want)
		}
	}
}
