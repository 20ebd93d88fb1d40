package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"

	"github.com/motesplats/motesplats/services/gateway/internal/catalog"
)

// signedIn returns an Env signed in to server with token, as mp login
// leaves it: its config in a fresh directory (returned, for files a test
// writes beside it), MP_LANG set to lang ("" for the account's), output
// to a buffer.
func signedIn(t *testing.T, hc *http.Client, server, token, lang string) (Env, string) {
	t.Helper()
	dir := t.TempDir()
	e := Env{Out: &bytes.Buffer{}, HTTP: hc, Getenv: func(k string) string {
		switch k {
		case "MP_CONFIG_DIR":
			return dir
		case "MP_LANG":
			return lang
		}
		return ""
	}}
	if err := saveConfig(e, config{Server: server, Token: token}); err != nil {
		t.Fatal(err)
	}
	return e, dir
}

// TestExportRefusesWhatIsNotCSV: mp report export saves only a CSV the
// gateway sent; a redirect (to a sign-in page), a 401 or an HTML page is an
// error and nothing is written.
func TestExportRefusesWhatIsNotCSV(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("Authorization") {
		case "Bearer csv":
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			_, _ = w.Write([]byte("section,label,count\n"))
		case "Bearer redirect":
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
		case "Bearer html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<html>sign in</html>"))
		default:
			http.Error(w, "no", http.StatusUnauthorized)
		}
	}))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		token, wantErr, wantOut string
	}{
		{"csv", "", "section,label,count\n"},
		{"redirect", "mp login", ""},
		{"revoked", "mp login", ""},
		{"html", "inte CSV", ""},
	} {
		t.Run(tt.token, func(t *testing.T) {
			e, dir := signedIn(t, srv.Client(), srv.URL, tt.token, "")
			out := filepath.Join(dir, "report.csv")
			err := Run(context.Background(), []string{"report", "export", "-o", out}, e)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err %v, want %q", err, tt.wantErr)
			}
			got, _ := os.ReadFile(out)
			if string(got) != tt.wantOut {
				t.Errorf("wrote %q, want %q", got, tt.wantOut)
			}
			// A saved file is said, with its lines; a refusal says nothing was saved.
			said := e.Out.(*bytes.Buffer).String()
			if saved := "sparade 1 rad i " + out; (tt.wantErr == "") != strings.Contains(said, saved) {
				t.Errorf("printed %q; want %q only when the file was saved", said, saved)
			}
		})
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	ce := connect.NewError(connect.CodeInvalidArgument, errors.New("invalid request"))
	d, err := connect.NewErrorDetail(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: "participant.municipality_code", Description: "is required"}}})
	if err != nil {
		t.Fatal(err)
	}
	ce.AddDetail(d)
	got := explain(Env{lang: "en"}, ce).Error()
	if want := "Please correct the following:\n  Municipality: is required"; got != want {
		t.Errorf("explain: %q, want %q", got, want)
	}
	// A gateway that does not answer is said in words, not as Go's dial
	// error, in Swedish by default.
	down := connect.NewError(connect.CodeUnavailable, errors.New("dial tcp 127.0.0.1:1: connect: connection refused"))
	if got := explain(Env{}, down).Error(); strings.Contains(got, "dial tcp") || !strings.Contains(got, "svarar inte") {
		t.Errorf("explain(unavailable) = %q, want Swedish words without the dial error", got)
	}
	// A refusal the catalogue has no sentence for is named in words first.
	gone := connect.NewError(connect.CodeNotFound, errors.New("no such newcomer in the guides programme"))
	if got := explain(Env{}, gone).Error(); got != "finns inte: no such newcomer in the guides programme" {
		t.Errorf("explain(not found) = %q", got)
	}
	if got := explain(Env{}, ce).Error(); !strings.HasPrefix(got, "Rätta följande:\n  Kommun: ") {
		t.Errorf("explain(invalid) in Swedish = %q", got)
	}
	// A refusal naming a seating's status says the status in words
	// (SEATING_STATUS_CONFIRMED was printed).
	early := connect.NewError(connect.CodeFailedPrecondition, errors.New("feedback is for held dinners; this one is SEATING_STATUS_CONFIRMED"))
	if got := explain(Env{}, early).Error(); got != "återkoppling ges bara efter en genomförd middag; den här placeringen är bekräftad" {
		t.Errorf("explain(status refusal) = %q", got)
	}
	// A refusal mp knows is a whole Swedish sentence.
	if got := explain(Env{}, connect.NewError(connect.CodeNotFound, errors.New("no such dead letter (replayed or discarded already?)"))).Error(); !strings.HasPrefix(got, "den felaktiga händelsen finns inte") {
		t.Errorf("explain(no such dead letter) = %q", got)
	}
	// A refusal for a guide assignment's or a pair's status, and a
	// mentoring refusal, say what the web app says, with the status in
	// words (ADR 0136: mp had its own sentence, the web a vaguer one,
	// and "the mentor has no free slot" was English in both).
	for msg, want := range map[string]string{
		"only a proposed assignment can be rejected; this one is ended":                 "bara en föreslagen lotsning kan avvisas (status nu: avslutad)",
		"only an active pair can end; this one is ended":                                "bara ett aktivt par kan avslutas (status nu: avslutad)",
		"only a proposed pair can have its candidate replaced; this one is active":      "bara ett föreslaget par kan få en annan kandidat (status nu: aktiv)",
		"the mentor has no free slot":                                                   "mentorn har ingen ledig plats för fler par",
		"the guide organisation has no free capacity in this municipality and language": "lotsorganisationen har ingen ledig plats i den här kommunen och på det här språket",
	} {
		got := explain(Env{}, connect.NewError(connect.CodeFailedPrecondition, errors.New(msg))).Error()
		if got != want {
			t.Errorf("explain(%q) = %q, want %q", msg, got, want)
		}
		if web := catalog.ViolationText("sv", msg); got != web {
			t.Errorf("explain(%q) = %q, the web app says %q", msg, got, web)
		}
	}
	if got := explain(Env{lang: "en"}, connect.NewError(connect.CodeFailedPrecondition, errors.New("only a confirmed seating can be cancelled; this one is SEATING_STATUS_HELD"))).Error(); got != "only a confirmed seating can be cancelled; this one is held" {
		t.Errorf("explain(seating) in English = %q", got)
	}
	if explain(Env{}, nil) != nil {
		t.Error("explain(nil) is not nil")
	}
}

// TestUnknownEnumRefused: an unknown -swedish-level is an error naming the
// valid levels, before anything is sent (issue 12: SFI_X was stored as
// unspecified); a known one in any case is accepted.
func TestUnknownEnumRefused(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := addParticipant(context.Background(), nil, []string{"-given-name", "A", "-swedish-level", "SFI_X"}, env{Out: &out})
	if err == nil || !strings.Contains(err.Error(), "SFI_X") || !strings.Contains(err.Error(), "sfi_a, sfi_b") || strings.Contains(err.Error(), "unspecified") {
		t.Fatalf("unknown level: %v", err)
	}
	if out.Len() != 0 {
		t.Fatalf("wrote %q", out.String())
	}
	if v, err := (Env{}).enumFlag("swedish-level", "sfi_b", levelChoice); err != nil || v != 3 {
		t.Fatalf("sfi_b: %d, %v", v, err)
	}
	if _, err := (Env{}).enumFlag("swedish-level", "unspecified", levelChoice); err == nil {
		t.Fatal("UNSPECIFIED accepted")
	}
}

// TestExplainViolationsInSwedish: mp says a field violation in the
// user's language: the description with the web app's table
// (catalog.ViolationText), not English after "Rätta följande:" (the
// outside round of session 20), and the field by the label its web form
// shows ("Kommun"), not its API path (participant.municipality_code, the
// outside round of session 22); with MP_LANG=en the English label and the
// service's words. A path no form field matches is printed as it is.
func TestExplainViolationsInSwedish(t *testing.T) {
	t.Parallel()
	ce := connect.NewError(connect.CodeInvalidArgument, errors.New("invalid request"))
	d, err := connect.NewErrorDetail(&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
		{Field: "participant.municipality_code", Description: "is required (a four-digit SCB municipality code, for example 0180 for Stockholm)"},
		{Field: "participant.given_name", Description: "must be at most 100 characters"},
		{Field: "participant.household.size", Description: "must be between 1 and 20"},
		{Field: "offer.seats", Description: "must be between 1 and 12"},
		{Field: "sign_up.dates[2]", Description: "is required"},
		{Field: "zz_unknown.thing", Description: "is required"}}})
	if err != nil {
		t.Fatal(err)
	}
	ce.AddDetail(d)
	want := "Rätta följande:\n  Kommun: måste fyllas i (en fyrsiffrig kommunkod från SCB, till exempel 0180 för Stockholm)" +
		"\n  Förnamn: får vara högst 100 tecken\n  Personer i hushållet: måste vara mellan 1 och 20" +
		"\n  Gästplatser vid varje middag: måste vara mellan 1 och 12\n  Dagar sällskapet kan komma: måste fyllas i" +
		"\n  zz_unknown.thing: måste fyllas i"
	if got := explain(Env{}, ce).Error(); got != want {
		t.Errorf("explain in Swedish:\n%s\nwant\n%s", got, want)
	}
	want = "Please correct the following:\n  Municipality: is required (a four-digit SCB municipality code, for example 0180 for Stockholm)" +
		"\n  Given name: must be at most 100 characters\n  People in the household: must be between 1 and 20" +
		"\n  Guest seats at each dinner: must be between 1 and 12\n  Dates the party can come: is required" +
		"\n  zz_unknown.thing: is required"
	if got := explain(Env{lang: langOf("en", "sv")}, ce).Error(); got != want {
		t.Errorf("explain with MP_LANG=en:\n%s\nwant\n%s", got, want)
	}
}

// TestEquityFileIsTheWebDownload: mp guides equity -o saves the web app's
// own download (/guides/equity.csv, ADR 0109), asked for in mp's language
// with the command's municipalities and minimum group, not the guides
// service's machine CSV, which it no longer reads.
func TestEquityFileIsTheWebDownload(t *testing.T) {
	t.Parallel()
	const file = "\ufeffindelning;grupp;har_rätt\nFörstaspråk;tigrinja;4\n"
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.String())
		if r.URL.Path != "/guides/equity.csv" || r.Header.Get("Authorization") != "Bearer tok" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = w.Write([]byte(file))
	}))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		lang string
		args []string
		want string
	}{
		{"", []string{"-min-group", "3", "-municipalities", "0880, 0180"}, "/guides/equity.csv?lang=sv&min_group=3&municipalities=0880%2C0180"},
		{"en", nil, "/guides/equity.csv?lang=en"},
	} {
		e, dir := signedIn(t, srv.Client(), srv.URL, "tok", tt.lang)
		out := filepath.Join(dir, "equity.csv")
		asked = nil
		if err := Run(context.Background(), append([]string{"guides", "equity", "-o", out}, tt.args...), e); err != nil {
			t.Fatal(err)
		}
		if len(asked) != 1 || asked[0] != tt.want {
			t.Errorf("asked %q, want only %q", asked, tt.want)
		}
		if got, _ := os.ReadFile(out); string(got) != file {
			t.Errorf("saved %q, want the download %q", got, file)
		}
	}
}

// TestReportExportIsTheWebDownload: mp report export saves the file the
// web's Reports page downloads (format=local: byte-order mark, ';',
// words), in mp's language, from that page's route; -machine asks for
// the page's machine CSV. It saved the machine CSV only.
func TestReportExportIsTheWebDownload(t *testing.T) {
	t.Parallel()
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.String())
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		_, _ = w.Write([]byte("x"))
	}))
	t.Cleanup(srv.Close)
	for _, tt := range []struct {
		lang string
		args []string
		want string
	}{
		{"", []string{"-o"}, "/reports/export.csv?format=local&lang=sv"},
		{"en", []string{"-o"}, "/reports/export.csv?format=local&lang=en"},
		{"", []string{"-machine", "-o"}, "/reports/export.csv?format=machine"},
	} {
		e, dir := signedIn(t, srv.Client(), srv.URL, "tok", tt.lang)
		asked = nil
		if err := Run(context.Background(), append(append([]string{"report", "export"}, tt.args...), filepath.Join(dir, "r.csv")), e); err != nil {
			t.Fatal(err)
		}
		if len(asked) != 1 || asked[0] != tt.want {
			t.Errorf("MP_LANG=%q mp report export %v: asked %q, want %q", tt.lang, tt.args, asked, tt.want)
		}
	}
}

// TestArgumentsMustBeText: a flag value that is not UTF-8 is refused by
// its flag name in words before anything is sent (the outside round of
// session 22 saw "fel: marshal message: proto: field
// motesplats.participants.v1.Participant.given_name contains invalid
// UTF-8"). Nothing answers at the server address, so a request that went
// out would fail differently.
func TestArgumentsMustBeText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"participants", "add", "-given-name", "A\xffB", "-municipality", "0180"}, "-given-name: måste vara giltig text"},
		{[]string{"participants", "add", "-given-name=A\xffB"}, "-given-name: måste vara giltig text"},
		{[]string{"participants", "get", "\xff"}, "ett värde: måste vara giltig text"},
	} {
		e, _ := signedIn(t, http.DefaultClient, "http://127.0.0.1:1", "t", "")
		err := Run(context.Background(), tt.args, e)
		if err == nil || err.Error() != tt.want {
			t.Errorf("mp %q: %v, want %q", tt.args, err, tt.want)
		}
	}
}
