package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	notifyv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/notify/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestHostsAndPairPageNamesakesMarked: the dinners proposals and
// seatings marked the guest and not the host, and the pair page named its
// newcomer and mentor unmarked, while another Karin Lindgren (a host
// without an offer), another Amal Hassan and another Berit Andersson
// stood in the coordinator's scope (ADR 0205's Left). Each is now marked
// as the lists mark (ADR 0209): the host on the proposals, on the row an
// approve swaps in, and on the seatings; the pair page's two names; and
// Leila, whose only namesake is another organisation's, stays plain.
func TestHostsAndPairPageNamesakesMarked(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	s := plantNamesakeLists(t, e)
	ctx := testutil.Context(t)
	br := e.swedishBrowser("namn-a@example.org")

	code, body := br.get("/dinners?job=" + s.dinners)
	if text := visibleText(body); code != http.StatusOK || !markedRe("Karin Lindgren").MatchString(text) {
		t.Errorf("/dinners?job=: %d, want the host Karin Lindgren marked:\n%s", code, trim(text))
	}
	amal := rowID(body, "seating-", "Amal Hassan")
	if amal == "" {
		t.Fatalf("no seating row for Amal Hassan:\n%s", trim(visibleText(body)))
	}
	code, frag := hxPost(t, br, "/dinners/seatings/"+amal+"/approve", url.Values{"back": {"/dinners#proposals"}})
	if text := visibleText(frag); code != http.StatusOK || !strings.Contains(text, "Godkänt") || !markedRe("Karin Lindgren").MatchString(text) {
		t.Errorf("Amal's approved seating row: %d, want it approved and the host Karin Lindgren marked:\n%s", code, trim(text))
	}
	seats, err := s.coord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: s.dinners}))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range seats.Msg.GetSeatings() {
		if v.GetSeating().GetId() == amal {
			continue
		}
		if _, err := s.coord.dinners.ApproveSeating(ctx, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: v.GetSeating().GetId()})); err != nil {
			t.Fatal(err)
		}
	}
	code, body = br.get("/dinners/seatings")
	if text := visibleText(body); code != http.StatusOK || !markedRe("Karin Lindgren").MatchString(text) {
		t.Errorf("/dinners/seatings: %d, want the host Karin Lindgren marked:\n%s", code, trim(text))
	}

	code, body = br.get("/matching?job=" + s.mentoring)
	if code != http.StatusOK {
		t.Fatalf("/matching: %d", code)
	}
	pairs := map[string]string{"Amal Hassan": proposalRowID(body, "Amal Hassan"), "Leila Hassan": proposalRowID(body, "Leila Hassan")}
	for _, pg := range []struct {
		newcomer string
		marked   []string
	}{
		{"Amal Hassan", []string{"Amal Hassan", "Berit Andersson"}},
		{"Leila Hassan", []string{"Berit Andersson"}},
	} {
		id := pairs[pg.newcomer]
		if id == "" {
			t.Fatalf("no proposal row for %s:\n%s", pg.newcomer, trim(visibleText(body)))
		}
		code, page := br.get("/pairs/" + id)
		text := visibleText(page)
		if code != http.StatusOK {
			t.Fatalf("/pairs/%s: %d\n%s", id, code, trim(text))
		}
		for _, n := range pg.marked {
			if !markedRe(n).MatchString(text) {
				t.Errorf("%s's pair page names %s without when registered:\n%s", pg.newcomer, n, trim(text))
			}
		}
		if pg.newcomer == "Leila Hassan" && markedRe("Leila Hassan").MatchString(text) {
			t.Errorf("Leila's pair page marks her, whose only namesake is another organisation's:\n%s", trim(text))
		}
	}
}

// TestMailboxRecipientsNamesakesMarked: the admin's mailbox named a
// message's recipient "Amina Hassan" with no mark while another Amina
// Hassan stood in the admin's scope (ADR 0205's Left). The recipient is
// now marked as the lists mark (ADR 0209); the mentor Erik Andersson, who
// has no namesake, is not.
func TestMailboxRecipientsNamesakesMarked(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true})
	mailToANamesake(t, e, "Förening Brev", "brev@example.org")
	ab := e.browser()
	ab.signIn(adminEmail, adminPass)
	code, page := ab.get("/admin/mailbox")
	text := visibleText(page)
	if code != http.StatusOK || !strings.Contains(text, "Amina Hassan") {
		t.Fatalf("/admin/mailbox: %d, want a message to Amina Hassan:\n%s", code, trim(text))
	}
	if !markedRe("Amina Hassan").MatchString(text) {
		t.Errorf("the mailbox names the recipient Amina Hassan without when registered:\n%s", trim(text))
	}
	if markedRe("Erik Andersson").MatchString(text) {
		t.Errorf("the mailbox marks Erik Andersson, who has no namesake:\n%s", trim(text))
	}
	m := regexp.MustCompile(`href="/admin/mailbox/([^"?]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no message on the mailbox page:\n%s", trim(text))
	}
	code, page = ab.get("/admin/mailbox/" + m[1])
	if text := visibleText(page); code != http.StatusOK || !markedRe("Amina Hassan").MatchString(text) {
		t.Errorf("the message's page: %d, want its recipient Amina Hassan marked:\n%s", code, trim(text))
	}
}

// mailToANamesake plants, in a new organisation orgName (Lund, 0880) with
// its coordinator coordEmail, the mentor Erik Andersson and two newcomers
// named Amina Hassan, approves the proposal of the first pair and waits
// for the message it mails to her: what the mailbox namesake tests read
// (the web page and mp). It returns the admin and that message.
func mailToANamesake(t *testing.T, e *env, orgName, coordEmail string) (*apiClient, *notifyv1.MailboxMessage) {
	t.Helper()
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg(orgName, "0880")
	coord := e.coordinator(admin, coordEmail, org, "0880")
	mentor(t, coord, org, "0880", "Erik")
	reader(t, coord, org, "0880", "Amina", "sv")
	reader(t, coord, org, "0880", "Amina", "sv")
	pair := proposal(t, coord)
	if _, err := coord.matching.ApprovePair(testutil.Context(t), connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: pair.GetPair().GetId()})); err != nil {
		t.Fatal(err)
	}
	_, msg := mailedLink(t, admin, pair.GetPair().GetParticipantId())
	return admin, msg
}
