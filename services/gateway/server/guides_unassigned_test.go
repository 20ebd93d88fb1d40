package server_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestWhoIsLeftWithoutAGuide: a guides job said "4 förslag, 7 utan plats"
// and nobody was named (ADR 0158). The job's line now links to a page of
// them in Swedish with the reason: no guide organisation guides in their
// language, or the ones that do are full (named, with the points). Those
// proposed are not on it; the API lists the same; another organisation's
// coordinator gets the page and the API as for an unknown job.
func TestWhoIsLeftWithoutAGuide(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	s := setupGuides(t, e)
	org := e.createOrg("Förening två", "0880")
	two := e.coordinator(s.admin, "lots2@example.org", org, "0880")
	// Two more Arabic speakers than the four Arabic places.
	for _, n := range []string{"Khaled", "Nour"} {
		guideNewcomer(t, two, org, "0880", n, "ar", typev1.Gender_GENDER_MAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	}
	e.coordinator(s.admin, "stranger-lots@example.org", e.createOrg("Annan förening", "0880"), "0880")
	c := s.coord.guides
	var job *guidesv1.Job
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		if job == nil {
			el, err := c.ListGuideEligibility(ctx, connect.NewRequest(&gatewayv1.ListGuideEligibilityRequest{}))
			if err != nil || el.Msg.GetTotalSize() != 11 {
				return fmt.Errorf("eligibility: %d newcomers (%v), want 11", el.Msg.GetTotalSize(), err)
			}
			st, err := c.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: "left-guides"}))
			if err != nil {
				return err
			}
			job = st.Msg.GetJob()
		}
		j, err := c.GetGuideJob(ctx, connect.NewRequest(&gatewayv1.GetGuideJobRequest{Id: job.GetId()}))
		if err != nil {
			return err
		}
		if job = j.Msg.GetJob(); job.GetState() != guidesv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %v", job.GetState())
		}
		return nil
	})
	if n := job.GetCounts(); n["proposals"] != 4 || n["unassigned"] != 7 {
		t.Fatalf("job counts %v, want 4 proposals and 7 unassigned", n)
	}

	res, err := c.ListGuideUnassigned(ctx, connect.NewRequest(&gatewayv1.ListGuideUnassignedRequest{JobId: job.GetId()}))
	if err != nil {
		t.Fatal(err)
	}
	full, none := 0, 0
	for _, u := range res.Msg.GetUnassigned() {
		if u.GetParticipantName() == "" || u.GetReasonWords() == "" {
			t.Errorf("row without a name or words: %v", u)
		}
		switch u.GetReason() {
		case guidesv1.UnassignedReason_UNASSIGNED_REASON_UNITS_FULL:
			full++
			if len(u.GetFullUnits()) != 1 || u.GetFullUnits()[0].GetOrganisationName() != "Lotsarna i Kalmar" {
				t.Errorf("%s: full units %v, want Lotsarna i Kalmar's", u.GetParticipantName(), u.GetFullUnits())
			}
		case guidesv1.UnassignedReason_UNASSIGNED_REASON_NO_ELIGIBLE_UNIT:
			none++
		}
	}
	if res.Msg.GetTotalSize() != 7 || full != 2 || none != 5 {
		t.Errorf("API: total %d, %d for full units, %d for no unit; want 7, 2 and 5", res.Msg.GetTotalSize(), full, none)
	}
	if _, err := c.ListGuideUnassigned(ctx, connect.NewRequest(&gatewayv1.ListGuideUnassignedRequest{JobId: job.GetId(), PageSize: 501})); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("page size 501: %v, want invalid_argument", err)
	}

	b := e.browser()
	b.signIn("lots@example.org", password)
	b.swedish()
	link := "/guides/jobs/" + job.GetId() + "/unassigned"
	_, page := b.get("/guides/assign?job=" + job.GetId())
	mustContain(t, page, `<a href="`+link+`">Visa de 7 som blev utan plats</a>`)
	code, page := b.get(link)
	if code != http.StatusOK {
		t.Fatalf("%s: %d\n%s", link, code, trim(page))
	}
	// The job named by its start and municipality, as the mentoring
	// page's list names its job, not "Förlopp · ..." (outside round s29).
	if !regexp.MustCompile(`<p>Tilldelningen: \d{4}-\d\d-\d\d \d\d:\d\d · Kalmar · 4 förslag, 7 utan plats</p>`).MatchString(page) {
		t.Errorf("%s: the job is not named by its start and municipality:\n%s", link, trim(page))
	}
	mustContain(t, page, `<html lang="sv"`, "<h1>Utan lots</h1>", "Abdi Guidesson", "Yonas Guidesson",
		"Ingen lotsorganisation i kommunen lotsar på något av den nyanländas språk.", "1–7 av 7")
	if n := strings.Count(page, "De lotsorganisationer som passar har inga lediga platser: Lotsarna i Kalmar på arabiska ("); n != 2 {
		t.Errorf("Arabic speakers left over for want of a place, naming the organisation: %d, want 2\n%s", n, trim(page))
	}
	// The unit's four places went to this assignment's proposals, and
	// the line says so (ADR 0171).
	if n := strings.Count(page, " poäng; platserna hålls av 4 förslag i den här tilldelningen)."); n != 2 {
		t.Errorf("who holds the Arabic unit's places, told %d times, want 2\n%s", n, trim(page))
	}
	arabic := 0
	for _, n := range []string{"Amina", "Mariam", "Omar", "Hamza", "Khaled", "Nour"} {
		arabic += strings.Count(page, n+" Guidesson")
	}
	if arabic != 2 {
		t.Errorf("Arabic speakers listed: %d, want 2 (the four proposed are not left out)\n%s", arabic, trim(page))
	}
	noEnglish(t, link, page)

	// The same from a terminal, in the account's Swedish.
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "lots@example.org")
	out := mp(t, dir, "guides", "jobs", "unassigned", job.GetId())
	mustContain(t, out, "\tAbdi Guidesson\tKalmar\tIngen lotsorganisation i kommunen lotsar på något av den nyanländas språk.\n",
		"\tKalmar\tDe lotsorganisationer som passar har inga lediga platser: Lotsarna i Kalmar på arabiska (")
	if n := strings.Count(out, " poäng; platserna hålls av 4 förslag i den här tilldelningen).\n"); n != 2 {
		t.Errorf("mp guides jobs unassigned: who holds the Arabic unit's places told %d times, want 2:\n%s", n, out)
	}
	if n := strings.Count(out, "\n"); n != 7 {
		t.Errorf("mp guides jobs unassigned: %d lines, want 7:\n%s", n, out)
	}

	stranger := e.browser()
	stranger.signIn("stranger-lots@example.org", password)
	for _, path := range []string{link, "/guides/jobs/01a2437f-ffff-7fff-bfff-ffffffffffff/unassigned"} {
		if code, body := stranger.get(path); code != http.StatusNotFound || strings.Contains(body, "Guidesson") {
			t.Errorf("another organisation's coordinator, %s: %d, want 404 naming nobody", path, code)
		}
	}
	strangerAPI := e.login("stranger-lots@example.org", password)
	if r, err := strangerAPI.guides.ListGuideUnassigned(ctx, connect.NewRequest(&gatewayv1.ListGuideUnassignedRequest{JobId: job.GetId()})); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("another organisation's job through the API: %d rows (%v), want not_found", len(r.Msg.GetUnassigned()), err)
	}
}
