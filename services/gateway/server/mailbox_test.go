package server_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/apart"
)

// TestMailboxAndDeliveries: an admin reads the development mailbox (paged,
// with a total) and a message in it with its answer link; a coordinator
// sees on the person, the volunteer and the pair what was sent and what
// could not be (the mentor has no contact details), but not the mailbox,
// nor another organisation's people; mp shows the same and sets a
// person's message preferences.
func TestMailboxAndDeliveries(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true})
	admin, coord, path, pairID := approvedOffer(t, e, "ar")
	view := pairOf(t, coord, pairID)
	pair := view.GetPair()
	person, mentorID := pair.GetParticipantId(), pair.GetVolunteerId()
	// The recipient as the lists name people, with the municipality (ADR 0222).
	named := apart.Named(view.GetParticipantName(), pair.GetMunicipalityCode())

	// The mentor's offer is tried too: wait for both deliveries.
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		res, err := coord.messages.ListDeliveries(testutil.Context(t), connect.NewRequest(&gatewayv1.ListDeliveriesRequest{ProposalId: pairID}))
		if err != nil {
			return err
		}
		if n := len(res.Msg.GetDeliveries()); n < 2 {
			return fmt.Errorf("%d deliveries so far", n)
		}
		return nil
	})

	ab := e.browser()
	ab.signIn(adminEmail, adminPass)
	code, page := ab.get("/admin/mailbox")
	if code != http.StatusOK {
		t.Fatalf("mailbox: %d\n%s", code, trim(page))
	}
	// The recipient by name (ADR 0125), not the Person-id.
	mustContain(t, page, `href="/admin/mailbox"`, "(العربية)", "1–1", "<td>"+named+"</td>")
	m := regexp.MustCompile(`href="/admin/mailbox/([^"?]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no message on the mailbox page:\n%s", trim(page))
	}
	code, page = ab.get("/admin/mailbox/" + m[1])
	if code != http.StatusOK {
		t.Fatalf("message: %d\n%s", code, trim(page))
	}
	mustContain(t, page, `href="`+path+`"`, `lang="ar" dir="rtl"`, "Erik", "<dd>"+named+" · ")
	if strings.Contains(page, "<code>"+person) {
		t.Errorf("the message shows the Person-id")
	}

	cb := e.browser()
	cb.signIn("coord-ar@example.org", password)
	if code, _ := cb.get("/admin/mailbox"); code != http.StatusForbidden {
		t.Errorf("a coordinator opened the mailbox: %d", code)
	}
	if code, _ := cb.get("/admin/mailbox/" + m[1]); code != http.StatusForbidden {
		t.Errorf("a coordinator opened a mailbox message: %d", code)
	}
	code, page = cb.get("/participants/" + person + "/messages")
	if code != http.StatusOK {
		t.Fatalf("newcomer's messages: %d\n%s", code, trim(page))
	}
	mustContain(t, page, "mentor offer", "sent")
	code, page = cb.get("/volunteers/" + mentorID + "/messages")
	if code != http.StatusOK {
		t.Fatalf("mentor's messages: %d\n%s", code, trim(page))
	}
	mustContain(t, page, "mentee offer", "the person has no e-mail address or phone number")
	code, page = cb.get("/matching/pairs/" + pairID + "/messages")
	if code != http.StatusOK {
		t.Fatalf("pair's messages: %d\n%s", code, trim(page))
	}
	mustContain(t, page, "mentor offer", "mentee offer")
	_, page = cb.get("/pairs/" + pairID)
	mustContain(t, page, `hx-get="/matching/pairs/`+pairID+`/messages"`)
	// The person's page loads the list in place and links to it.
	_, page = cb.get("/participants/" + person)
	mustContain(t, page, `hx-get="/participants/`+person+`/messages"`, `<option value="ar" selected>Arabic (العربية)</option>`)

	// Another organisation's coordinator learns nothing.
	other := e.createOrg("Annan förening", "0880")
	e.coordinator(admin, "other@example.org", other, "0880")
	ob := e.browser()
	ob.signIn("other@example.org", password)
	for _, p := range []string{"/participants/" + person + "/messages", "/volunteers/" + mentorID + "/messages", "/matching/pairs/" + pairID + "/messages"} {
		if code, body := ob.get(p); code != http.StatusNotFound || strings.Contains(body, "Amina") {
			t.Errorf("%s as another organisation: %d", p, code)
		}
	}

	// mp: the same lists, and preferences set from the terminal.
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "coord-ar@example.org")
	mustContain(t, mp(t, dir, "messages", "list", "-person", person), "mentor offer\tdevelopment mailbox\tsent")
	mustContain(t, mp(t, dir, "messages", "list", "-proposal", pairID), "the person has no e-mail address or phone number")
	mustContain(t, mp(t, dir, "participants", "notify", person, "-language", "so", "-channel", "sms", "-opt-out", "reminders,check_ins"),
		"language Somali; SMS only; does not want: reminders, questions about how it goes")
	p, err := coord.registry.GetParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: person}))
	if err != nil || p.Msg.GetParticipant().GetParticipant().GetNotifications().GetPreferredLanguage() != "so" {
		t.Fatalf("preferences after mp: %v %v", p.Msg.GetParticipant().GetParticipant().GetNotifications(), err)
	}
	added := strings.TrimSpace(mp(t, dir, "participants", "add", "-given-name", "Hodan", "-municipality", "0880",
		"-language", "prs", "-channel", "email", "-opt-out", "check_ins"))
	p, err = coord.registry.GetParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.GetParticipantRequest{Id: added}))
	if n := p.Msg.GetParticipant().GetParticipant().GetNotifications(); err != nil || n.GetPreferredLanguage() != "prs" ||
		n.GetPreferredChannel().String() != "PREFERRED_CHANNEL_EMAIL" || len(n.GetOptOuts()) != 1 {
		t.Fatalf("preferences from mp participants add: %v %v", n, err)
	}

	// The mailbox from the terminal, as an admin.
	createUser(t, admin, &gatewayv1.User{Email: "admin2@example.org", Role: gatewayv1.Role_ROLE_ADMIN})
	adminDir := t.TempDir()
	mp(t, adminDir, "login", "-server", e.base, "-email", "admin2@example.org")
	// admin2 has the default language, Swedish.
	mustContain(t, mp(t, adminDir, "mailbox", "list", "-person", person), m[1], "förslag på mentor")
	mustContain(t, mp(t, adminDir, "mailbox", "show", m[1]), "Språk: ar", "Svarslänk: ", path)
}
