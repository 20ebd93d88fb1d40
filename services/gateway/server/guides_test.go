package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// guideNewcomer registers a newcomer entitled to a guide in muni (permit
// two months ago, enrolled, consented to the guides purpose).
func guideNewcomer(t testing.TB, c *apiClient, org, muni, given, lang string, g typev1.Gender, leave eventsv1.ParentalLeave) string {
	t.Helper()
	res, err := c.registry.CreateParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: "Guidesson",
		Languages:    []*typev1.LanguageSkill{{Code: lang, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_A, Household: &participantsv1.Household{Size: 1}, Gender: g,
		ResidencePermitDate: time.Now().AddDate(0, -2, 0).Format(time.DateOnly),
		EstablishmentStatus: eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED, ParentalLeave: leave,
		Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES, TextVersion: "2026-01", Language: "sv"}},
	}}))
	if err != nil {
		t.Fatalf("create newcomer: %v", err)
	}
	return res.Msg.GetParticipant().GetId()
}

// guideSetup is a guide organisation with four Arabic places in 0880, a
// coordinator there, and nine entitled newcomers: four Arabic speakers
// (one a woman on full-time parental leave), four Tigrinya speakers and
// one Somali speaker. No place is in Tigrinya, Somali or Swedish: the
// planted gap.
type guideSetup struct {
	admin, coord *apiClient
	onLeave      string
	names        map[string]string // id -> given name
}

func setupGuides(t *testing.T, e *env) guideSetup {
	t.Helper()
	ctx := testutil.Context(t)
	s := guideSetup{admin: e.login(adminEmail, adminPass), names: map[string]string{}}
	_, err := e.serviceClient().CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Lotsarna i Kalmar", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"},
		IsGuideOrganisation: true, GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0880", Language: "ar", Capacity: 4}}}})
	if err != nil {
		t.Fatal(err)
	}
	org := e.createOrg("Förening", "0880")
	s.coord = e.coordinator(s.admin, "lots@example.org", org, "0880")
	add := func(given, lang string, g typev1.Gender, leave eventsv1.ParentalLeave) string {
		id := guideNewcomer(t, s.coord, org, "0880", given, lang, g, leave)
		s.names[id] = given
		return id
	}
	s.onLeave = add("Amina", "ar", typev1.Gender_GENDER_WOMAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_FULL_TIME)
	add("Mariam", "ar", typev1.Gender_GENDER_WOMAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	add("Omar", "ar", typev1.Gender_GENDER_MAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	add("Hamza", "ar", typev1.Gender_GENDER_MAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	for _, n := range []string{"Yonas", "Selam", "Rahel", "Tesfay"} {
		add(n, "ti", typev1.Gender_GENDER_MAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	}
	add("Abdi", "so", typev1.Gender_GENDER_MAN, eventsv1.ParentalLeave_PARENTAL_LEAVE_NONE)
	// The guides service learns of people and organisations from events.
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		res, err := s.coord.guides.ListGuideEligibility(ctx, connect.NewRequest(&gatewayv1.ListGuideEligibilityRequest{}))
		if err != nil {
			return err
		}
		if res.Msg.GetTotalSize() != 9 {
			return fmt.Errorf("guides knows %d newcomers, want 9", res.Msg.GetTotalSize())
		}
		orgs, err := s.coord.guides.ListGuideOrganisations(ctx, connect.NewRequest(&gatewayv1.ListGuideOrganisationsRequest{}))
		if err != nil {
			return err
		}
		if len(orgs.Msg.GetOrganisations()) != 1 {
			return fmt.Errorf("%d guide organisations, want 1", len(orgs.Msg.GetOrganisations()))
		}
		return nil
	})
	return s
}

// TestGuidesThroughGateway runs the programme through the gateway's API
// as a coordinator: eligibility with reasons and names (parental leave
// does not exclude), a job, proposals with explanations, approve, accept
// by both, activate; then equity flags the planted gap but not the small
// group, and the CSV carries the same rows.
func TestGuidesThroughGateway(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	s := setupGuides(t, e)
	c := s.coord.guides

	el, err := c.ListGuideEligibility(ctx, connect.NewRequest(&gatewayv1.ListGuideEligibilityRequest{
		Entitlement: guidesv1.Entitlement_ENTITLEMENT_ENTITLED, PageSize: 5}))
	if err != nil {
		t.Fatal(err)
	}
	if el.Msg.GetTotalSize() != 9 || len(el.Msg.GetEligibility()) != 5 || el.Msg.GetNextPageToken() == "" {
		t.Errorf("entitled: total %d, %d on the page; want 9 entitled (parental leave does not exclude), 5 shown", el.Msg.GetTotalSize(), len(el.Msg.GetEligibility()))
	}
	for _, v := range el.Msg.GetEligibility() {
		if v.GetParticipantName() == "" || len(v.GetEligibility().GetReasons()) == 0 {
			t.Errorf("eligibility row without a name or reasons: %v", v)
		}
		if v.GetEligibility().GetParticipantId() == s.onLeave && !slices.ContainsFunc(v.GetEligibility().GetReasons(), func(r string) bool {
			return strings.Contains(r, "parental leave does not exclude")
		}) {
			t.Errorf("the newcomer on leave: reasons %v", v.GetEligibility().GetReasons())
		}
	}

	start, err := c.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: "gw-guides-1"}))
	if err != nil {
		t.Fatal(err)
	}
	job := start.Msg.GetJob()
	if !slices.Equal(job.GetMunicipalityCodes(), []string{"0880"}) {
		t.Errorf("job municipalities %v, want the coordinator's [0880]", job.GetMunicipalityCodes())
	}
	watch := connect.NewRequest(&gatewayv1.WatchGuideJobRequest{Id: job.GetId()})
	watch.Header().Set("Authorization", "Bearer "+s.coord.token) // the client's interceptor is unary only
	stream, err := c.WatchGuideJob(ctx, watch)
	if err != nil {
		t.Fatal(err)
	}
	for stream.Receive() {
		job = stream.Msg().GetJob()
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if job.GetState() != guidesv1.JobState_JOB_STATE_SUCCEEDED || job.GetCounts()["proposals"] != 4 {
		t.Fatalf("job %v, counts %v, want succeeded with 4 proposals", job.GetState(), job.GetCounts())
	}
	jobs, err := c.ListGuideJobs(ctx, connect.NewRequest(&gatewayv1.ListGuideJobsRequest{}))
	if err != nil || len(jobs.Msg.GetJobs()) != 1 || jobs.Msg.GetJobs()[0].GetId() != job.GetId() {
		t.Errorf("jobs list: %v, %v", jobs.Msg.GetJobs(), err)
	}

	props, err := c.ListGuideAssignments(ctx, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{JobId: job.GetId(),
		Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED}}))
	if err != nil {
		t.Fatal(err)
	}
	if props.Msg.GetTotalSize() != 4 {
		t.Fatalf("%d proposals, want 4", props.Msg.GetTotalSize())
	}
	for _, v := range props.Msg.GetAssignments() {
		if v.GetParticipantName() != s.names[v.GetAssignment().GetParticipantId()]+" Guidesson" || v.GetOrganisationName() != "Lotsarna i Kalmar" {
			t.Errorf("names %q, %q", v.GetParticipantName(), v.GetOrganisationName())
		}
		if !slices.ContainsFunc(v.GetExplanation(), func(s string) bool { return strings.Contains(s, "language the newcomer speaks (ar)") }) {
			t.Errorf("explanation %v lacks the language", v.GetExplanation())
		}
	}

	// One proposal is rejected with a reason; the others go the whole way.
	views := props.Msg.GetAssignments()
	rej, err := c.RejectGuideAssignment(ctx, connect.NewRequest(&gatewayv1.RejectGuideAssignmentRequest{Id: views[0].GetAssignment().GetId(),
		Reason: proposalv1.RejectReason_REJECT_REASON_NOT_AVAILABLE}))
	if err != nil || rej.Msg.GetAssignment().GetAssignment().GetRejectReason() != proposalv1.RejectReason_REJECT_REASON_NOT_AVAILABLE {
		t.Fatalf("reject: %v, %v", rej, err)
	}
	// One goes the whole way through the API, the other two through
	// mp's bulk form (every assignment of the job the action applies to).
	for _, v := range views[1:2] {
		id := v.GetAssignment().GetId()
		if _, err := c.ApproveGuideAssignment(ctx, connect.NewRequest(&gatewayv1.ApproveGuideAssignmentRequest{Id: id})); err != nil {
			t.Fatal(err)
		}
		for _, p := range []guidesv1.AcceptingParty{guidesv1.AcceptingParty_ACCEPTING_PARTY_NEWCOMER, guidesv1.AcceptingParty_ACCEPTING_PARTY_ORGANISATION} {
			if _, err := c.AcceptGuideAssignment(ctx, connect.NewRequest(&gatewayv1.AcceptGuideAssignmentRequest{Id: id, Party: p})); err != nil {
				t.Fatal(err)
			}
		}
		res, err := c.ActivateGuideAssignment(ctx, connect.NewRequest(&gatewayv1.ActivateGuideAssignmentRequest{Id: id}))
		if err != nil {
			t.Fatal(err)
		}
		if st := res.Msg.GetAssignment().GetAssignment().GetStatus(); st != eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE {
			t.Fatalf("after activate: %v", st)
		}
	}
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "lots@example.org")
	mustContain(t, mp(t, dir, "guides", "approve", "-job", job.GetId()), "approve: 2 changed, 0 not")
	mustContain(t, mp(t, dir, "guides", "accept", "-party", "newcomer", "-job", job.GetId()), "accept: 2 changed")
	mustContain(t, mp(t, dir, "guides", "accept", "-party", "organisation", "-job", job.GetId()), "accept: 2 changed")
	mustContain(t, mp(t, dir, "guides", "activate", "-job", job.GetId()), "activate: 2 changed")
	orgs, err := c.ListGuideOrganisations(ctx, connect.NewRequest(&gatewayv1.ListGuideOrganisationsRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if caps := orgs.Msg.GetOrganisations()[0].GetOrganisation().GetCapacities(); len(caps) != 1 || caps[0].GetCaseload() != 3 {
		t.Errorf("capacities %v, want a caseload of 3", caps)
	}

	eq, err := c.GetGuideEquity(ctx, connect.NewRequest(&gatewayv1.GetGuideEquityRequest{MinGroupSize: 3}))
	if err != nil {
		t.Fatal(err)
	}
	lang := map[string]*guidesv1.EquityRow{}
	for _, r := range eq.Msg.GetRows() {
		if r.GetDimension() == guidesv1.EquityDimension_EQUITY_DIMENSION_LANGUAGE {
			lang[r.GetGroup()] = r
		}
	}
	if r := lang["ti"]; r == nil || !r.GetFlagged() || r.GetEntitled() != 4 || r.GetWithGuide() != 0 {
		t.Errorf("Tigrinya speakers (the planted gap): %v, want 4 entitled, none with a guide, flagged", r)
	}
	if r := lang["so"]; r == nil || r.GetFlagged() {
		t.Errorf("the one Somali speaker: %v, want shown but not flagged (below the minimum group size)", r)
	}
	if r := lang["ar"]; r == nil || r.GetFlagged() || r.GetWithGuide() != 3 {
		t.Errorf("Arabic speakers: %v, want 3 with a guide, not flagged", r)
	}
	if !strings.Contains(eq.Msg.GetCsv(), "language,ti,4,0,0.000,-1,true,false") {
		t.Errorf("CSV lacks the flagged Tigrinya row:\n%s", eq.Msg.GetCsv())
	}

	// The same through mp.
	mustContain(t, mp(t, dir, "guides", "eligibility", "-entitled"), "9 newcomers", "Amina Guidesson", "parental leave does not exclude")
	mustContain(t, mp(t, dir, "guides", "organisations"), "Lotsarna i Kalmar", "Kalmar Arabic\tplaces 4\tcaseload 3")
	mustContain(t, mp(t, dir, "guides", "jobs", "list"), job.GetId(), "finished")
	active := mp(t, dir, "guides", "assignments", "-job", job.GetId(), "-status", "active")
	mustContain(t, active, "3 assignments", "active", "language the newcomer speaks (Arabic)")
	// The guidance's days (ADR 0144) are the line's last two columns, as
	// the web's Lotsningar prints them: the day it started and the day the
	// establishment period ends; the first four are as before.
	act, err := c.ListGuideAssignments(ctx, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{JobId: job.GetId(),
		Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_ACTIVE}}))
	if err != nil {
		t.Fatal(err)
	}
	days := map[string][2]string{}
	for _, v := range act.Msg.GetAssignments() {
		a := v.GetAssignment()
		if a.GetStartTime() == nil || a.GetPeriodEndDate() == "" {
			t.Fatalf("active assignment %s without its days: %v", a.GetId(), a)
		}
		days[a.GetId()] = [2]string{a.GetStartTime().AsTime().In(localtime.Zone).Format(time.DateOnly), a.GetPeriodEndDate()}
	}
	lines := 0
	for _, line := range strings.Split(strings.TrimSpace(active), "\n") {
		cols := strings.Split(line, "\t")
		if len(cols) == 1 {
			continue // the count
		}
		lines++
		// The seventh (ADR 0148) flags a guidance past the period's end;
		// these have years to go.
		if want, ok := days[cols[0]]; len(cols) != 7 || !ok || cols[2] != "active" || !strings.HasPrefix(cols[3], "score ") ||
			cols[4] != want[0] || cols[5] != want[1] || cols[6] != "-" {
			t.Errorf("mp guides assignments line %q; want 7 columns, the days %v then -", line, want)
		}
	}
	if lines != 3 {
		t.Errorf("mp guides assignments printed %d assignments, want 3:\n%s", lines, active)
	}
	mustContain(t, mp(t, dir, "guides", "equity", "-min-group", "3"), "FLAGGED")
	mustContain(t, mp(t, dir, "guides", "equity", "-min-group", "3", "-csv"), "language,ti,4,0,0.000,-1,true,false")
	// -o saves the file the web app's equity page downloads (ADR 0109,
	// 0111): a byte-order mark, ';', headers and groups in the user's
	// words, not the machine CSV above.
	file := filepath.Join(dir, "equity.csv")
	mp(t, dir, "guides", "equity", "-min-group", "3", "-o", file)
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(saved); !strings.HasPrefix(got, "\ufeffBreakdown;Group;Entitled to a guide;Has a guide;") ||
		!strings.Contains(got, "\nFirst language;Tigrinya;4;0;0.0;;yes;no\n") || strings.Contains(got, ",ti,") {
		t.Errorf("mp guides equity -o saved:\n%s", got)
	}
	if _, err := mpErr(t, dir, "guides", "equity", "-min-group", "3", "-municipalities", "0880", "-o", file); err != nil {
		t.Fatal(err)
	}
	if saved, _ = os.ReadFile(file); !strings.Contains(string(saved), "\nFirst language;Tigrinya;") {
		t.Errorf("mp guides equity -municipalities 0880 -o saved:\n%s", saved)
	}
	// The rejected newcomer's only unit is left out of the instance (ADR
	// 0248): the engine no longer chooses the pair for its id to be
	// refused, and the job says the pair was proposed before.
	out := mp(t, dir, "guides", "jobs", "start", "-follow")
	mustContain(t, out, "finished", "proposals: 0", "the rules allow no pair between the 6 newcomers and the free place",
		"1 pair proposed before is not proposed again")
}

// TestGuideRulesChangeIsAudited shows that parental leave does not
// exclude by default, that only an administrator may change the rule,
// and that the change (and the refused attempt) is in the audit log.
func TestGuideRulesChangeIsAudited(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	ctx := testutil.Context(t)
	s := setupGuides(t, e)

	entitled := func() bool {
		t.Helper()
		res, err := s.coord.guides.ListGuideEligibility(ctx, connect.NewRequest(&gatewayv1.ListGuideEligibilityRequest{PageSize: 500}))
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range res.Msg.GetEligibility() {
			if v.GetEligibility().GetParticipantId() == s.onLeave {
				return v.GetEligibility().GetEntitlement() == guidesv1.Entitlement_ENTITLEMENT_ENTITLED
			}
		}
		t.Fatal("the newcomer on leave is not listed")
		return false
	}
	if !entitled() {
		t.Fatal("full-time parental leave excludes by default")
	}
	cur, err := s.admin.guides.GetGuideEligibilityRules(ctx, connect.NewRequest(&gatewayv1.GetGuideEligibilityRulesRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	if cur.Msg.GetRules().GetFullTimeParentalLeaveExcludes() {
		t.Fatal("default rules exclude full-time parental leave")
	}
	changed := proto2(cur.Msg.GetRules())
	changed.FullTimeParentalLeaveExcludes = true
	if _, err := s.coord.guides.UpdateGuideEligibilityRules(ctx, connect.NewRequest(&gatewayv1.UpdateGuideEligibilityRulesRequest{
		Rules: changed, Etag: cur.Msg.GetVersion()})); connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Errorf("a coordinator changes the rules: %v, want PermissionDenied", err)
	}
	if _, err := s.admin.guides.UpdateGuideEligibilityRules(ctx, connect.NewRequest(&gatewayv1.UpdateGuideEligibilityRulesRequest{
		Rules: changed, Etag: "stale"})); connect.CodeOf(err) != connect.CodeAborted {
		t.Errorf("a stale etag: %v, want Aborted", err)
	}
	up, err := s.admin.guides.UpdateGuideEligibilityRules(ctx, connect.NewRequest(&gatewayv1.UpdateGuideEligibilityRulesRequest{
		Rules: changed, Etag: cur.Msg.GetVersion()}))
	if err != nil {
		t.Fatal(err)
	}
	if entitled() {
		t.Error("after the change, the newcomer on full-time parental leave is still entitled")
	}

	log, err := s.admin.audit.ListAuditEntries(ctx, connect.NewRequest(&gatewayv1.ListAuditEntriesRequest{PageSize: 1000}))
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, a := range log.Msg.GetEntries() {
		if a.GetResourceType() != "guide_eligibility_rules" {
			continue
		}
		outcomes = append(outcomes, a.GetOutcome())
		if a.GetOutcome() == "ok" && (a.GetResourceId() != up.Msg.GetVersion() ||
			!slices.Equal(a.GetResourceIds(), []string{cur.Msg.GetVersion(), up.Msg.GetVersion()}) || a.GetAction() != "update") {
			t.Errorf("audit entry %v: want update from %s to %s", a, cur.Msg.GetVersion(), up.Msg.GetVersion())
		}
	}
	slices.Sort(outcomes)
	if want := []string{"conflict", "ok", "permission_denied"}; !slices.Equal(outcomes, want) {
		t.Errorf("audit outcomes of rule changes %v, want %v", outcomes, want)
	}
}

// proto2 copies rules so the test can change them.
func proto2(r *guidesv1.EligibilityRules) *guidesv1.EligibilityRules {
	return &guidesv1.EligibilityRules{EstablishmentMonths: r.GetEstablishmentMonths(), RequirePermit: r.GetRequirePermit(),
		RequireEnrolled: r.GetRequireEnrolled(), FullTimeParentalLeaveExcludes: r.GetFullTimeParentalLeaveExcludes(),
		PartTimeParentalLeaveExcludes: r.GetPartTimeParentalLeaveExcludes()}
}
