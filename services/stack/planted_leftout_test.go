package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1/gatewayv1connect"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// leftOutRead is what an admin reads through the gateway of who a guides
// job and a mentoring job left out: the two API answers and the two
// pages, as one text.
func leftOutRead(t *testing.T, base, token string, web *http.Client, gjob, mjob string) string {
	t.Helper()
	var g, m any
	post(t, base, gatewayv1connect.GuidesServiceListGuideUnassignedProcedure, token, map[string]any{"jobId": gjob}, &g)
	post(t, base, gatewayv1connect.MatchingServiceListUnmatchedNewcomersProcedure, token, map[string]any{"jobId": mjob}, &m)
	out := fmt.Sprint(g, m)
	for _, path := range []string{"/guides/jobs/" + gjob + "/unassigned", "/matching/jobs/" + mjob + "/unmatched"} {
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
	return out
}

// signedInBrowser signs into the web app as email and returns the client
// holding the session.
func signedInBrowser(t *testing.T, base, email, password string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		t.Fatal("the sign-in page has no form token")
	}
	res, err = c.PostForm(base+"/signin", url.Values{"email": {email}, "password": {password}, "csrf": {string(m[1])}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	return c
}

// TestPlanted_LeftOutNewcomerErased plants a unique value in every
// personal field of a newcomer whom a guides job and a mentoring job
// leave out (no guide or mentor speaks Somali), and of a mentor with one
// place whom the mentoring job names as full for the Arabic speaker it
// leaves out (an alternative); it reads both left-out lists through the
// gateway's API and web pages, which name them (the gateway's views are
// then in Redis). Erased through the gateway, neither is in any list, by
// name or id, and no planted value is on disk, in Redis, the logs or the
// spans of the whole stack, gateway included.
func TestPlanted_LeftOutNewcomerErased(t *testing.T) { plantedLeftOut(t, false) }

// TestPlanted_LeftOutUnsealedIsVisible is its control: with sealing
// switched off, the raw grep finds the newcomer's and the mentor's values
// on disk before the erasure, so the search after it can fail.
func TestPlanted_LeftOutUnsealedIsVisible(t *testing.T) { plantedLeftOut(t, true) }

func plantedLeftOut(t *testing.T, unsealed bool) {
	cfg, dir, redisURL, logs, spans := plantedConfig(t, unsealed)
	const adminEmail, adminPassword = "admin@example.org", "a long enough password"
	cfg.Gateway.AdminEmail, cfg.Gateway.AdminPassword = adminEmail, adminPassword
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	mn := newMarkers(t)

	org, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Planted left out", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"},
		IsGuideOrganisation: true, GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0880", Language: "ar", Capacity: 1}}}})
	if err != nil {
		t.Fatal(err)
	}
	orgID := org.GetOrganisation().GetId()
	np := mn.participant(orgID, 1)
	np.Languages = []*typev1.LanguageSkill{{Code: "so", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}}
	np.Consents = append(np.Consents, &participantsv1.Consent{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES, TextVersion: "2026-01", Language: "ar"})
	np.ResidencePermitDate = time.Now().AddDate(0, -6, 0).Format(time.DateOnly)
	np.EstablishmentStatus = eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED
	created, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: np})
	if err != nil {
		t.Fatal(err)
	}
	pid := created.GetParticipant().GetId()
	// A planted mentor with one place and two Arabic speakers who would
	// fit: one gets the place, the other is left out with the mentor
	// named as the one who fitted but was full (an alternative).
	mv := newMarkers(t)
	mentor, err := c.v.CreateVolunteer(ctx, &volunteersv1.CreateVolunteerRequest{Volunteer: mv.volunteer(orgID, 1)})
	if err != nil {
		t.Fatal(err)
	}
	vid := mentor.GetVolunteer().GetId()
	fillers, others := newMarkers(t), []string{pid}
	for k := range 2 {
		f, err := c.p.CreateParticipant(ctx, &participantsv1.CreateParticipantRequest{Participant: fillers.participant(orgID, k)})
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, f.GetParticipant().GetId())
	}
	pools := poolsOf(t, l)
	pools.WaitIDs(t, "guides_newcomers", []string{pid})
	pools.WaitIDs(t, "guides_organisations", []string{orgID})
	pools.WaitIDs(t, "mentoring_newcomers", others)
	pools.WaitIDs(t, "mentoring_mentors", []string{vid})

	base := "http://" + l.Addr("gateway")
	var signedIn struct{ Token string }
	post(t, base, gatewayv1connect.ApiTokenServiceCreateApiTokenProcedure, "", map[string]any{"email": adminEmail, "password": adminPassword}, &signedIn)
	tok := signedIn.Token
	type job struct {
		Job struct{ ID, State, ErrorMessage string }
	}
	run := func(start, get string, req map[string]any) string {
		var s job
		post(t, base, start, tok, req, &s)
		testutil.CheckFor(t, 60*time.Second, 100*time.Millisecond, func() error {
			var j job
			post(t, base, get, tok, map[string]any{"id": s.Job.ID}, &j)
			switch j.Job.State {
			case "JOB_STATE_SUCCEEDED":
				return nil
			case "JOB_STATE_FAILED":
				t.Fatalf("%s failed: %s", start, j.Job.ErrorMessage)
			}
			return fmt.Errorf("%s %s", start, j.Job.State)
		})
		return s.Job.ID
	}
	gjob := run(gatewayv1connect.GuidesServiceStartGuideJobProcedure, gatewayv1connect.GuidesServiceGetGuideJobProcedure,
		map[string]any{"requestId": "planted-left", "municipalityCodes": []string{"0880"}})
	mjob := run(gatewayv1connect.MatchingServiceStartMatchingJobProcedure, gatewayv1connect.MatchingServiceGetMatchingJobProcedure,
		map[string]any{"requestId": "planted-left", "organisationId": orgID, "municipalityCodes": []string{"0880"}})
	web := signedInBrowser(t, base, adminEmail, adminPassword)

	// Before the erasure: both lists name the newcomer, twice each (API
	// and page), mentoring's the full mentor (API and page), and the
	// gateway's views of both are in Redis.
	given, mentorGiven := np.GetGivenName(), mv.all[0]
	read := leftOutRead(t, base, tok, web, gjob, mjob)
	if n := strings.Count(read, given); n < 4 {
		t.Fatalf("before the erasure the lists name the newcomer %d times, want at least 4 (API and page, guides and mentoring)", n)
	}
	if n := strings.Count(read, mentorGiven); n < 2 {
		t.Fatalf("before the erasure the mentoring list names the full mentor %d times, want at least 2 (API and page)", n)
	}
	if found := inRedis(t, ctx, redisURL, []string{given, mentorGiven}); len(found) < 2 {
		t.Fatalf("before the erasure Redis holds %v, want views naming the newcomer and the mentor: the Redis search cannot see values", found)
	}
	planted := append(append([]string{}, mn.all...), mv.all...)
	if unsealed {
		stop()
		if found := onDisk(t, planted, dir); len(found) != len(planted) {
			t.Fatalf("unsealed: found %d of %d planted values on disk (%v): the raw grep cannot see them", len(found), len(planted), found)
		}
		return
	}

	var erased any
	post(t, base, gatewayv1connect.RegistryServiceEraseParticipantProcedure, tok, map[string]any{"id": pid}, &erased)
	post(t, base, gatewayv1connect.RegistryServiceEraseVolunteerProcedure, tok, map[string]any{"id": vid}, &erased)
	settleProgrammes(t, ctx, l)
	js := natsClient(t, l)
	consumerSettled(t, ctx, js, "PARTICIPANTS", "mentoring-participants")
	consumerSettled(t, ctx, js, "VOLUNTEERS", "mentoring-volunteers")
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		got := leftOutRead(t, base, tok, web, gjob, mjob)
		for _, v := range append([]string{pid, vid}, planted...) {
			if strings.Contains(got, v) {
				return fmt.Errorf("after the erasures the left-out lists still show %s", v)
			}
		}
		return nil
	})
	stop()
	searchPlanted(t, ctx, "left-out newcomer and full mentor", planted, dir, redisURL, logs, spans)
	if !strings.Contains(logs.String(), `"serving"`) || len(spans.GetSpans()) == 0 {
		t.Error("the stack's logs or spans were not captured: the search saw nothing")
	}
}
