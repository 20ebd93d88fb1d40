package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/cli"
)

// TestMpDinnersJobsLinksTheUnseatedPage: `mp dinners jobs list` said "0
// proposed, 1 unseated" and nothing more, while the web links a done
// job's unseated parties page from its line (ADR 0232). The line now
// ends with the page's address, the gateway's public one (MP_PUBLIC_URL)
// when set, else the server mp is signed in to; a job that left no party
// out has no link (ADR 0236).
func TestMpDinnersJobsLinksTheUnseatedPage(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "mp-utanplats@example.org", org, "0180")
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, day)
	dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", "Amal"), "0180", day)
	seated := runDinnerJob(t, coord, "mp-utanplats-1")
	dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", "Samir"), "0180", time.Now().AddDate(0, 0, 9).Format(time.DateOnly))
	left := runDinnerJob(t, coord, "mp-utanplats-2")
	if c := left.GetCounts(); c.GetUnseated() != 1 {
		t.Fatalf("second job counts %v, want 1 party unseated", c)
	}
	page := "/dinners/jobs/" + left.GetId() + "/unseated"

	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "mp-utanplats@example.org")
	lines := func(out string) (seatedLine, leftLine string) {
		for _, l := range strings.Split(out, "\n") {
			switch {
			case strings.HasPrefix(l, seated.GetId()+"\t"):
				seatedLine = l
			case strings.HasPrefix(l, left.GetId()+"\t"):
				leftLine = l
			}
		}
		return seatedLine, leftLine
	}
	s, l := lines(mp(t, dir, "dinners", "jobs", "list"))
	if !strings.HasSuffix(l, "\t0 proposed, 1 unseated: "+e.base+page) {
		t.Errorf("the job that left a party out: %q, want the unseated page %s at its end", l, e.base+page)
	}
	if s == "" || strings.Contains(s, "/unseated") {
		t.Errorf("the job that seated everyone: %q, want its line without a link", s)
	}

	// Where browsers reach the gateway, when mp is told.
	var out bytes.Buffer
	env := cli.Env{In: strings.NewReader(""), Out: &out, HTTP: &http.Client{Timeout: time.Minute},
		Getenv: func(k string) string {
			switch k {
			case "MP_CONFIG_DIR":
				return dir
			case "MP_PUBLIC_URL":
				return "https://motesplats.example.org/"
			case "MP_LANG":
				return "sv"
			}
			return ""
		}}
	if err := cli.Run(testutil.Context(t), []string{"dinners", "jobs", "list"}, env); err != nil {
		t.Fatal(err)
	}
	if _, l := lines(out.String()); !strings.HasSuffix(l, "\t0 föreslagna, 1 utan plats: https://motesplats.example.org"+page) {
		t.Errorf("with MP_PUBLIC_URL: %q, want the page at the public address", l)
	}
}
