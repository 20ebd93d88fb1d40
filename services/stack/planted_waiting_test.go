package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// waitingRead is what an admin reads through the gateway of who waits for
// a mentor and whom mentoring job mjob left out: both API answers and
// both pages as one text, and the waiting list's total.
func waitingRead(t *testing.T, base, token string, web *http.Client, mjob string) (string, int) {
	t.Helper()
	var w struct {
		TotalSize int
	}
	var raw, m any
	post(t, base, gatewayv1connect.MatchingServiceListWaitingNewcomersProcedure, token, map[string]any{"pageSize": 500}, &raw)
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	post(t, base, gatewayv1connect.MatchingServiceListUnmatchedNewcomersProcedure, token, map[string]any{"jobId": mjob}, &m)
	out := string(b) + fmt.Sprint(m)
	for _, path := range []string{"/matching/waiting", "/matching/jobs/" + mjob + "/unmatched"} {
		res, err := web.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		out += string(body)
	}
	return out, w.TotalSize
}

// TestPlanted_WaitingAndHeldErased plants a unique value in every
// personal field of a newcomer (ADR 0172, 0171) who gave consent (its
// time is in the events), waits for a mentor, and is left out of a second
// job because the one mentor who fits is held by the first job's
// proposal (the left-out list counts it). The waiting list and the
// left-out list, API and pages, name the newcomer and the gateway's views
// are in Redis; erased through the gateway, neither list shows them, the
// waiting total is one less, and no planted value is on disk (the job's
// snapshot and result included), in Redis, the logs or the spans.
func TestPlanted_WaitingAndHeldErased(t *testing.T) { plantedWaiting(t, false) }

// TestPlanted_WaitingUnsealedIsVisible is its control: with sealing off,
// every planted value is found on disk before the erasure.
func TestPlanted_WaitingUnsealedIsVisible(t *testing.T) { plantedWaiting(t, true) }

func plantedWaiting(t *testing.T, unsealed bool) {
	cfg, dir, redisURL, logs, spans := plantedConfig(t, unsealed)
	const adminEmail, adminPassword = "admin@example.org", "a long enough password"
	cfg.Gateway.AdminEmail, cfg.Gateway.AdminPassword = adminEmail, adminPassword
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)

	org, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Planted waiting", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.GetOrganisation().GetId()
	// One mentor with one place, and a first newcomer whom the first job
	// proposes to that mentor: the place is held.
	others := newMarkers(t)
	mentor, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: others.volunteer(orgID, 1)})
	if err != nil {
		t.Fatal(err)
	}
	first, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: others.participant(orgID, 1)})
	if err != nil {
		t.Fatal(err)
	}
	pools := poolsOf(t, l)
	pools.WaitIDs(t, "mentoring_mentors", []string{mentor.GetVolunteer().GetId()})
	pools.WaitIDs(t, "mentoring_newcomers", []string{first.GetParticipant().GetId()})

	base := "http://" + l.Addr("gateway")
	var signedIn struct{ Token string }
	post(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "", map[string]any{"email": adminEmail, "password": adminPassword}, &signedIn)
	tok := signedIn.Token
	run := func(rid string) string {
		var s struct{ Job struct{ ID string } }
		post(t, base, gatewayv1connect.MatchingServiceStartMatchingJobProcedure, tok,
			map[string]any{"requestId": rid, "organisationId": orgID, "municipalityCodes": []string{"0880"}}, &s)
		testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
			var j struct {
				Job struct{ State, ErrorMessage string }
			}
			post(t, base, gatewayv1connect.MatchingServiceGetMatchingJobProcedure, tok, map[string]any{"id": s.Job.ID}, &j)
			switch j.Job.State {
			case "JOB_STATE_SUCCEEDED":
				return nil
			case "JOB_STATE_FAILED":
				t.Fatalf("job %s failed: %s", rid, j.Job.ErrorMessage)
			}
			return fmt.Errorf("job %s: %s", rid, j.Job.State)
		})
		return s.Job.ID
	}
	run("planted-waiting-1")

	// The planted newcomer: consent given at registration, so they wait
	// from then; the second job finds the one mentor full.
	mn := newMarkers(t)
	np := mn.participant(orgID, 2)
	np.Consents = []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, TextVersion: "2026-01", Language: "ar"}}
	created, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: np})
	if err != nil {
		t.Fatal(err)
	}
	pid := created.GetParticipant().GetId()
	if len(created.GetParticipant().GetConsents()) != 1 || created.GetParticipant().GetConsents()[0].GetGivenTime() == nil {
		t.Fatalf("the newcomer's consent has no time: %v", created.GetParticipant().GetConsents())
	}
	pools.WaitIDs(t, "mentoring_newcomers", []string{pid})
	mjob := run("planted-waiting-2")
	web := signedInBrowser(t, base, adminEmail, adminPassword)

	given := np.GetGivenName()
	read, total := waitingRead(t, base, tok, web, mjob)
	if n := strings.Count(read, given); n < 4 {
		t.Fatalf("before the erasure the lists name the newcomer %d times, want at least 4 (waiting and left out, API and page)", n)
	}
	if !strings.Contains(read, `"heldByProposals":1`) && !strings.Contains(read, "heldByProposals:1") {
		t.Fatalf("the left-out list does not count the place the first job's proposal holds:\n%.2000s", read)
	}
	if found := inRedis(t, ctx, redisURL, []string{given}); len(found) == 0 {
		t.Fatal("before the erasure Redis holds no view naming the newcomer: the Redis search cannot see values")
	}
	if unsealed {
		stop()
		if found := onDisk(t, mn.all, dir); len(found) != len(mn.all) {
			t.Fatalf("unsealed: found %d of %d planted values on disk (%v): the raw grep cannot see them", len(found), len(mn.all), found)
		}
		return
	}

	var erased any
	post(t, base, gatewayv1connect.RegistryServiceEraseParticipantProcedure, tok, map[string]any{"id": pid}, &erased)
	settleProgrammes(t, ctx, l)
	consumerSettled(t, ctx, natsClient(t, l), "PARTICIPANTS", "mentoring-participants")
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		got, n := waitingRead(t, base, tok, web, mjob)
		for _, v := range append([]string{pid}, mn.all...) {
			if strings.Contains(got, v) {
				return fmt.Errorf("after the erasure the lists still show %s", v)
			}
		}
		if n != total-1 {
			return fmt.Errorf("after the erasure %d wait, want %d", n, total-1)
		}
		return nil
	})
	stop()
	searchPlanted(t, ctx, "waiting newcomer left out of a full job", mn.all, dir, redisURL, logs, spans)
	if !strings.Contains(logs.String(), `"serving"`) || len(spans.GetSpans()) == 0 {
		t.Error("the stack's logs or spans were not captured: the search saw nothing")
	}
}
