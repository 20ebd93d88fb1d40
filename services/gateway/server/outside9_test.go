package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// TestGuideAssignmentsThatAreOver walks a coordinator's week on the guides
// pages to the end of each assignment: one proposal rejected, one declined
// by the newcomer, one guidance ended, one still waiting for answers. Each
// that is over can still be found on the assignments page by its state,
// with the day and the reason recorded (it was on no page once it left the
// approved, assigned and active three), and no reason is chosen for the
// coordinator: each reason list starts at "Välj skäl" and requires one
// (the first reason, "passar inte ihop", was sent by one click).
func TestGuideAssignmentsThatAreOver(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	setupGuides(t, e)
	b := e.browser()
	b.signIn("lots@example.org", password)
	b.get("/")
	if code, _ := b.post("/settings/locale", url.Values{"locale": {"sv"}}); code != http.StatusSeeOther {
		t.Fatalf("choose Swedish: %d", code)
	}
	_, page := b.get("/guides/assign")
	m := requestIDRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no request id on the assignment page:\n%s", trim(page))
	}
	if code, loc := b.post("/guides/jobs", url.Values{"request_id": {m[1]}, "municipality_codes": {"0880"}}); code != http.StatusSeeOther {
		t.Fatalf("start a job: %d %s", code, trim(loc))
	}
	var ids []string
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		_, page = b.get("/guides/assign")
		ids = nil
		for _, m := range approveRe.FindAllStringSubmatch(page, -1) {
			ids = append(ids, m[1])
		}
		if len(ids) != 4 {
			return fmt.Errorf("%d proposals on the page, want 4", len(ids))
		}
		return nil
	})
	mustContain(t, page, `name="reason" required><option value="">Välj skäl …</option>`)

	post := func(id, action string, form url.Values) {
		t.Helper()
		if code, loc := b.post("/guides/assignments/"+id+"/"+action, form); code != http.StatusSeeOther {
			t.Fatalf("%s %s: %d %s", action, id, code, trim(loc))
		}
	}
	post(ids[0], "reject", url.Values{"reason": {"REJECT_REASON_CONFLICT_OF_INTEREST"}})
	for _, id := range ids[1:] {
		post(id, "approve", nil)
	}
	_, page = b.get("/guides/assignments")
	mustContain(t, page, `name="reason" required><option value="">Välj skäl …</option>`)
	post(ids[1], "decline", url.Values{"party": {"ACCEPTING_PARTY_NEWCOMER"}, "reason": {"DECLINE_REASON_NO_TIME"}})
	post(ids[2], "accept", url.Values{"party": {"ACCEPTING_PARTY_NEWCOMER"}})
	post(ids[2], "accept", url.Values{"party": {"ACCEPTING_PARTY_ORGANISATION"}})
	post(ids[2], "activate", nil)
	_, page = b.get("/guides/assignments")
	if n := strings.Count(page, `<select id="er-`+ids[2]+`" name="reason" required><option value="">Välj skäl …</option>`); n != 1 {
		t.Errorf("the end reason list of the running guidance is there %d times with no reason chosen, want 1:\n%s", n, trim(page))
	}
	post(ids[2], "end", url.Values{"reason": {"ASSIGNMENT_END_REASON_MOVED"}})

	today := time.Now().In(localtime.Zone).Format(time.DateOnly)
	_, page = b.get("/guides/assignments")
	if !strings.Contains(page, `id="a-`+ids[3]+`"`) || strings.Count(page, `<tr id="a-`) != 1 {
		t.Errorf("the running list shows other than the one waiting for answers:\n%s", trim(visibleText(page)))
	}
	mustContain(t, page, `<option value="ASSIGNMENT_STATUS_ENDED" >avslutad</option>`, `<option value="ASSIGNMENT_STATUS_DECLINED" >tackade nej</option>`,
		`<option value="ASSIGNMENT_STATUS_REJECTED" >avvisad</option>`, `<option value="ASSIGNMENT_STATUS_WITHDRAWN" >återtagen</option>`)
	for status, want := range map[string]struct{ id, words string }{
		"ASSIGNMENT_STATUS_ENDED":    {ids[2], "Avslutad " + today + ": har flyttat"},
		"ASSIGNMENT_STATUS_DECLINED": {ids[1], "Tackade nej " + today + ": den nyanlända, har inte tid"},
		"ASSIGNMENT_STATUS_REJECTED": {ids[0], "Avvisad " + today + ": jäv eller släktskap"},
	} {
		code, page := b.get("/guides/assignments?status=" + status)
		if code != http.StatusOK || strings.Count(page, `<tr id="a-`) != 1 || !strings.Contains(page, `id="a-`+want.id+`"`) || !strings.Contains(page, want.words) {
			t.Errorf("%s: %d, want the one row of %s saying %q:\n%s", status, code, want.id, want.words, trim(visibleText(page)))
		}
		if strings.Contains(page, "/guides/assignments/"+want.id+"/") {
			t.Errorf("%s: an assignment that is over still has actions:\n%s", status, trim(page))
		}
	}
	_, page = b.get("/guides/assignments?status=ASSIGNMENT_STATUS_WITHDRAWN")
	mustContain(t, page, "Inga lotsningar i det läget.")
}
