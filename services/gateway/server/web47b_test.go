package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// endPair ends the active pair id on its pair page with reason.
func endPair(t *testing.T, b *browser, id, reason string) {
	t.Helper()
	if code, loc := b.post("/pairs/"+id+"/end", url.Values{"reason": {reason}}); code != http.StatusSeeOther {
		t.Fatalf("end %s: %d %s", id, code, trim(loc))
	}
}

// TestPairsEndedLately: a coordinator following up calls the pairs that
// ended lately, the early ends first, and no list held them: the API
// filtered pairs by status, not by when (ADR 0261's "Not done"). The
// matching page's pairs now offer "Avslutade de senaste 30 dagarna":
// a pair ended today is listed with its reason in words, one ended six
// weeks ago is not, the filter says so and links back to all pairs, and
// with none left the page says so. The API refuses a bound in the future
// on its field (ADR 0265).
func TestPairsEndedLately(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{clock: &clock{}})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "avslut@example.org", org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	newcomer(t, coord, org, "0880", "Amina")
	old := proposal(t, coord).GetPair().GetId()
	b := e.browser()
	b.signIn("avslut@example.org", password)
	b.post("/settings/locale", url.Values{"locale": {"sv"}})
	activatePair(t, b, old)
	endPair(t, b, old, "END_REASON_COMPLETED")

	// Six weeks on, a second pair starts and ends early.
	e.clock.Advance(6 * 7 * 24 * time.Hour)
	coord = e.login("avslut@example.org", password)
	newcomer(t, coord, org, "0880", "Yonas")
	var fresh string
	for fresh == "" || fresh == old {
		fresh = proposal(t, coord).GetPair().GetId()
	}
	b = e.browser()
	b.signIn("avslut@example.org", password)
	activatePair(t, b, fresh)
	endPair(t, b, fresh, "END_REASON_MOVED")

	_, all := b.get("/matching")
	mustContain(t, all, `href="/matching?ended=1#pairs"`, "Avslutade de senaste 30 dagarna")
	code, body := b.get("/matching?ended=1")
	if code != http.StatusOK {
		t.Fatalf("matching, ended lately: %d", code)
	}
	pairs := body[strings.Index(body, `id="pairs"`):]
	mustContain(t, pairs, "Yonas Hassan", "avslutad: Någon har flyttat", "Avslutades", "Visar bara par som avslutades de senaste 30 dagarna",
		`href="/matching#pairs"`, "Visa alla par")
	if strings.Contains(pairs, "Amina Hassan") {
		t.Errorf("the pair ended six weeks ago is listed among those ended lately:\n%s", trim(visibleText(pairs)))
	}

	// The API takes the same bound, and refuses one in the future.
	ctx := testutil.Context(t)
	res, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{
		EndedAfter: timestamppb.New(e.clock.Now().Add(-30 * 24 * time.Hour))}))
	if err != nil || res.Msg.GetTotalSize() != 1 || res.Msg.GetPairs()[0].GetPair().GetId() != fresh {
		t.Fatalf("API, ended in 30 days = %v, %v; want the one pair %s", res, err, fresh)
	}
	_, err = coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{EndedAfter: timestamppb.New(e.clock.Now().Add(time.Hour))}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !slices.Contains(violations(err), "ended_after") {
		t.Fatalf("API, ended_after in the future: %v, want InvalidArgument on ended_after", err)
	}

	// A month on, neither ended lately, and the page says so.
	// (A session lasts 8 hours: sign in again.)
	e.clock.Advance(31 * 24 * time.Hour)
	b = e.browser()
	b.signIn("avslut@example.org", password)
	_, body = b.get("/matching?ended=1")
	mustContain(t, body, `id="pairs"`, "Inget par har avslutats de senaste 30 dagarna.")
}

// TestRecordPagesLinkToTheirAuditTrail: who read or changed a newcomer or
// a volunteer was on the audit page, searched by the record's id copied
// from the page's address (ADR 0261's "Not done"). An administrator's
// page of each now links to that search, the one the audit rows link to;
// a coordinator, whose pages the audit page is not, sees no link (ADR
// 0265).
func TestRecordPagesLinkToTheirAuditTrail(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening", "0880")
	coord := e.coordinator(admin, "spar@example.org", org, "0880")
	vid := mentor(t, coord, org, "0880", "Erik")
	nid := newcomer(t, coord, org, "0880", "Amina")

	ab := e.browser()
	ab.signIn(adminEmail, adminPass)
	ab.post("/settings/locale", url.Values{"locale": {"sv"}})
	cb := e.browser()
	cb.signIn("spar@example.org", password)
	cb.post("/settings/locale", url.Values{"locale": {"sv"}})
	for _, rec := range []struct{ page, id string }{{"/participants/", nid}, {"/volunteers/", vid}} {
		link := `<a href="/admin/audit?resource_id=` + rec.id + `">Händelser i granskningsloggen</a>`
		code, body := ab.get(rec.page + rec.id)
		if code != http.StatusOK || !strings.Contains(body, link) {
			t.Errorf("admin's %s%s: %d, lacks %s:\n%s", rec.page, rec.id, code, link, trim(visibleText(body)))
		}
		code, body = cb.get(rec.page + rec.id)
		if code != http.StatusOK || strings.Contains(body, "/admin/audit") || strings.Contains(body, "Händelser i granskningsloggen") {
			t.Errorf("coordinator's %s%s: %d, want the page without the audit link:\n%s", rec.page, rec.id, code, trim(visibleText(body)))
		}
		// The link finds the record's events: the coordinator's reading.
		testutil.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
			code, page := ab.get("/admin/audit?resource_id=" + rec.id)
			if code != http.StatusOK || !strings.Contains(page, "Coordinator spar@example.org") {
				return fmt.Errorf("the record's events: %d, no coordinator:\n%s", code, trim(visibleText(page)))
			}
			return nil
		})
	}
}
