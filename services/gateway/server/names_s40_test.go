package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestMailboxAndReasonsNameTheMunicipality: the mailbox's recipients (ADR
// 0211) and the full mentors a left-out newcomer's reason names (ADR
// 0209) were named by name alone, so two Berit Andersson, one in Kalmar
// and one in Malmö, read as one on /admin/mailbox, in mp mailbox list and
// show, on the left-out page and in mp jobs unmatched (ADR 0220 named the
// proposals and pairs so). Each is now "Berit Andersson, Kalmar" and
// "Berit Andersson, Malmö", read with the names in one call per service
// (ADR 0222), and neither is marked as a namesake of the other.
func TestMailboxAndReasonsNameTheMunicipality(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{notify: true})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Förening Två Kommuner", "0880", "1280")
	coord := e.coordinator(admin, "tva@example.org", org, "0880", "1280")
	const mentoring = eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING
	// One place each, and an address to be mailed at.
	kalmar, malmo := onePlaceMentor(t, coord, org, "0880", "Berit"), onePlaceMentor(t, coord, org, "1280", "Berit")
	for _, muni := range []string{"0880", "1280"} {
		for _, given := range []string{"Amal", "Leila"} {
			namedPerson(t, coord, org, muni, given, "Hassan", "ar", mentoring)
		}
	}
	// The mentoring service learns of the people from events: start jobs
	// until one sees all six.
	var job *mentoringv1.Job
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		var err error
		if job, err = finishedJob(t, coord, "tva-"); err != nil {
			return err
		}
		if c := job.GetCounts(); c.GetNewcomers() != 4 || c.GetMentors() != 2 || c.GetProposals() != 2 {
			return fmt.Errorf("job counts %v, want 4 newcomers, 2 mentors, 2 proposals", c)
		}
		return nil
	})
	both := []string{"Berit Andersson, Kalmar", "Berit Andersson, Malmö"}
	wantBoth := func(where, text string) {
		t.Helper()
		for _, w := range both {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", where, w, trim(text))
			}
		}
		if strings.Contains(text, "registrerad") {
			t.Errorf("%s marks people of one name in two municipalities as namesakes:\n%s", where, trim(text))
		}
	}
	br := e.swedishBrowserAs(adminEmail, adminPass)
	code, body := br.get("/matching/jobs/" + job.GetId() + "/unmatched")
	if code != http.StatusOK {
		t.Fatalf("left-out page: %d", code)
	}
	wantBoth("the left-out page", strings.Join(strings.Fields(visibleText(body)), " "))
	dir := t.TempDir()
	if out, err := mpAs(t, dir, adminPass, "sv", "login", "-server", e.base, "-email", adminEmail); err != nil {
		t.Fatalf("mp login: %v\n%s", err, out)
	}
	out, err := mpAs(t, dir, adminPass, "sv", "jobs", "unmatched", job.GetId())
	if err != nil {
		t.Fatalf("mp jobs unmatched: %v\n%s", err, out)
	}
	wantBoth("mp jobs unmatched", out)

	// Each Berit is mailed an offer when her pair is approved.
	ps, err := coord.matching.ListPairs(ctx, connect.NewRequest(&gatewayv1.ListPairsRequest{JobId: job.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps.Msg.GetPairs() {
		if _, err := coord.matching.ApprovePair(ctx, connect.NewRequest(&gatewayv1.ApprovePairRequest{Id: p.GetPair().GetId()})); err != nil {
			t.Fatal(err)
		}
	}
	var toMalmo string
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		for _, id := range []string{kalmar, malmo} {
			res, err := admin.messages.ListMailbox(ctx, connect.NewRequest(&gatewayv1.ListMailboxRequest{PersonId: id}))
			if err != nil {
				return err
			}
			if len(res.Msg.GetMessages()) == 0 {
				return fmt.Errorf("no message to mentor %s yet", id)
			}
			toMalmo = res.Msg.GetMessages()[0].GetId()
		}
		return nil
	})
	code, body = br.get("/admin/mailbox")
	if code != http.StatusOK {
		t.Fatalf("/admin/mailbox: %d", code)
	}
	wantBoth("/admin/mailbox", strings.Join(strings.Fields(visibleText(body)), " "))
	code, body = br.get("/admin/mailbox?person_id=" + malmo)
	if text := strings.Join(strings.Fields(visibleText(body)), " "); code != http.StatusOK || !strings.Contains(text, "Berit Andersson, Malmö") ||
		strings.Contains(text, "Berit Andersson, Kalmar") {
		t.Errorf("/admin/mailbox narrowed to the Berit in Malmö: %d, want her named with Malmö only:\n%s", code, trim(text))
	}
	code, body = br.get("/admin/mailbox/" + toMalmo)
	if text := strings.Join(strings.Fields(visibleText(body)), " "); code != http.StatusOK || !strings.Contains(text, "Mottagare Berit Andersson, Malmö") {
		t.Errorf("the message to the Berit in Malmö: %d, want its recipient named with Malmö:\n%s", code, trim(text))
	}
	out, err = mpAs(t, dir, adminPass, "sv", "mailbox", "list")
	if err != nil {
		t.Fatalf("mp mailbox list: %v\n%s", err, out)
	}
	wantBoth("mp mailbox list", out)
	if out, err = mpAs(t, dir, adminPass, "sv", "mailbox", "show", toMalmo); err != nil || !strings.Contains(out, "Mottagare: Berit Andersson, Malmö\n") {
		t.Errorf("mp mailbox show: %v, want its recipient named with Malmö:\n%s", err, out)
	}
}
