package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestDinnerJobCountsProposedBefore (ADR 0257): a party is proposed at
// the only dinner and the coordinator rejects it. The next job proposes
// nothing and leaves the party out; its line on the dinners page, the
// unseated parties' page and mp's job output say "1 par av sällskap och
// middag har föreslagits förut och föreslås inte igen" after the counts,
// as a mentoring or guides job's sentence counts its pairs proposed
// before. Before, the line said "0 förslag, 1 sällskap utan plats" and
// nothing of why.
func TestDinnerJobCountsProposedBefore(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Invitationsdepartementet", "0180")
	coord := e.coordinator(admin, "tidigare@example.org", org, "0180")
	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	dinnerOffer(t, coord, dinnerHost(t, coord, org, "0180", "Karin"), "0180", 4, day)
	dinnerSignUp(t, coord, dinnerGuest(t, coord, org, "0180", "Amal"), "0180", day)
	first := runDinnerJob(t, coord, "tidigare-1")
	seats, err := coord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: first.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) != 1 {
		t.Fatalf("first job's seatings: %v %v, want 1", seats, err)
	}
	if _, err := coord.dinners.RejectSeating(ctx, connect.NewRequest(&gatewayv1.RejectSeatingRequest{
		Id: seats.Msg.GetSeatings()[0].GetSeating().GetId(), Reason: proposalv1.RejectReason_REJECT_REASON_LOGISTICS})); err != nil {
		t.Fatalf("reject: %v", err)
	}
	second := runDinnerJob(t, coord, "tidigare-2")
	if c := second.GetCounts(); c.GetProposals() != 0 || c.GetUnseated() != 1 || c.GetExcludedPairs() != 1 {
		t.Fatalf("second job counts %v, want 0 proposals, 1 unseated, 1 pair proposed before", c)
	}

	const sv = " · 1 par av sällskap och middag har föreslagits förut och föreslås inte igen"
	b := e.browser()
	b.signIn("tidigare@example.org", password)
	b.swedish()
	mustContain(t, mustGet(b, "/dinners?job="+second.GetId()), "0 förslag, 1 sällskap utan plats · Bästa möjliga (0 poäng)"+sv)
	mustContain(t, mustGet(b, "/dinners/jobs/"+second.GetId()+"/unseated"), sv)
	if code, _ := b.post("/settings/locale", url.Values{"locale": {"en"}}); code != http.StatusSeeOther {
		t.Fatalf("choose English: %d", code)
	}
	mustContain(t, mustGet(b, "/dinners?job="+second.GetId()), " · 1 pair of party and dinner was proposed before and is not proposed again")

	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "tidigare@example.org")
	if out := mp(t, dir, "dinners", "jobs", "watch", second.GetId()); !strings.Contains(out,
		"seatings proposed: 0, parties unseated: 1; best possible (0 points); pairs of party and dinner proposed before, not proposed again: 1\n") {
		t.Errorf("mp dinners jobs watch: want the pair proposed before counted after the result, got\n%s", out)
	}
	var line string
	for _, l := range strings.Split(mp(t, dir, "dinners", "jobs", "list"), "\n") {
		if strings.HasPrefix(l, second.GetId()+"\t") {
			line = l
		}
	}
	if want := "\t0 proposed, 1 unseated, 1 proposed before: " + e.base + "/dinners/jobs/" + second.GetId() + "/unseated"; !strings.HasSuffix(line, want) {
		t.Errorf("mp dinners jobs list: %q, want it to end %q", line, want)
	}
}
