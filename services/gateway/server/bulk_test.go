package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

var bulkIDRe = regexp.MustCompile(`name="ids" value="([^"]+)"`)

// TestBulkApproval: the matching page's job history says who started a
// job, where and how big it was; "approve selected" approves the rows
// chosen, and "approve all at or above a score" first says how many that
// is (issue 12: bulk review).
func TestBulkApproval(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "bulk@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	mentor(t, coord, org, "0880", "Eva")
	newcomer(t, coord, org, "0880", "Amina")
	newcomer(t, coord, org, "0880", "Bashir")
	ctx := testutil.Context(t)
	// The mentoring service learns of people from events: run jobs until
	// one proposes both newcomers.
	testutil.CheckFor(t, 30*time.Second, 300*time.Millisecond, func() error {
		proposal(t, coord)
		ps, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{Statuses: []eventsv1.PairStatus{eventsv1.PairStatus_PAIR_STATUS_PROPOSED}}))
		if err != nil {
			return err
		}
		if n := len(ps.Msg.GetPairs()); n < 2 {
			return fmt.Errorf("%d proposals", n)
		}
		return nil
	})

	b := e.browser()
	b.signIn("bulk@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	_, body := b.get("/matching")
	mustContain(t, body, "Senaste körningar", "Coordinator bulk@example.org", "Kalmar", "2 nyanlända, 2 mentorer, 2 förslag, 0 utan förslag", "Godkänn valda")
	ids := bulkIDRe.FindAllStringSubmatch(body, -1)
	if len(ids) != 2 {
		t.Fatalf("%d selectable proposals, want 2", len(ids))
	}

	if code, body := b.post("/matching/bulk", url.Values{}); code != http.StatusUnprocessableEntity {
		t.Fatalf("approve none: %d", code)
	} else {
		mustContain(t, body, "välj minst ett förslag")
	}
	// The approval answers with the matching page's address, which says
	// how many (ADR 0236): the page itself was a POST's answer.
	code, loc := b.post("/matching/bulk", url.Values{"ids": {ids[0][1]}})
	if code != http.StatusSeeOther {
		t.Fatalf("approve selected: %d %s", code, trim(loc))
	}
	_, body = b.get(loc)
	mustContain(t, body, "1 förslag godkändes och erbjöds båda.")

	if code, _ := b.get("/matching/bulk?min_score=many"); code != http.StatusUnprocessableEntity {
		t.Fatalf("a score that is no number: %d", code)
	}
	_, body = b.get("/matching/bulk?min_score=0")
	mustContain(t, body, "1 förslag har minst 0 poäng.", "Godkänn 1 förslag")
	left := bulkIDRe.FindAllStringSubmatch(body, -1)
	if len(left) != 1 || left[0][1] != ids[1][1] {
		t.Fatalf("confirmation lists %v, want the other proposal %s", left, ids[1][1])
	}
	_, loc = b.post("/matching/bulk", url.Values{"ids": {left[0][1]}})
	_, body = b.get(loc)
	mustContain(t, body, "1 förslag godkändes och erbjöds båda.", "Inga förslag väntar.")
	_, body = b.get("/matching/bulk?min_score=0")
	mustContain(t, body, "Inget förslag har minst 0 poäng.")
}
