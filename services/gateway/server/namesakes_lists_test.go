package server_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// namedPerson registers a newcomer of given and family name who speaks
// lang, entitled to a guide (permit two months ago, enrolled), with
// consent to purposes only: a purpose left out keeps them off that
// programme's lists.
func namedPerson(t testing.TB, c *apiClient, org, muni, given, family, lang string, purposes ...eventsv1.ConsentPurpose) string {
	t.Helper()
	p := &participantsv1.Participant{OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: family, Gender: typev1.Gender_GENDER_WOMAN,
		Languages:    []*typev1.LanguageSkill{{Code: lang, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 2}, Interests: []string{"cooking"},
		ResidencePermitDate: time.Now().AddDate(0, -2, 0).Format(time.DateOnly), EstablishmentStatus: eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED}
	for _, pp := range purposes {
		p.Consents = append(p.Consents, &participantsv1.Consent{Purpose: pp, TextVersion: "2026-01", Language: "sv"})
	}
	res, err := c.registry.CreateParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: p}))
	if err != nil {
		t.Fatalf("create %s %s: %v", given, family, err)
	}
	return res.Msg.GetParticipant().GetId()
}

// namesakeLists is what plantNamesakeLists planted: the jobs whose lists
// name the people, and the ids the API check asks about.
type namesakeLists struct {
	coord                             *apiClient
	mentoring, dinners, guides        string
	amal1, amal2, amalB, berit, leila string
}

// plantNamesakeLists plants, in 0880, organisation A's people on every
// list a coordinator acts on, each with a namesake in A on no page of
// that list, and people whose only namesake is in organisation B:
//   - mentoring (consent, Arabic): Amal Hassan and Leila Hassan, proposed
//     with the mentor Berit Andersson; Tesfay Berhane and Selam Berhane
//     (Tigrinya: left out, and so waiting);
//   - dinners and guides (Arabic): the other Amal Hassan and Leila Hassan,
//     seated with the host Karin Lindgren and proposed a guide; Tesfay and
//     Selam left without a guide;
//   - on no list: another Tesfay Berhane and another Berit Andersson (a
//     host without an offer); in B, Leila Hassan, Selam Berhane, Amal
//     Hassan and Berit Andersson.
func plantNamesakeLists(t *testing.T, e *env) namesakeLists {
	t.Helper()
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	if _, err := e.serviceClient().CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Lotsarna", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"},
		IsGuideOrganisation: true, GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0880", Language: "ar", Capacity: 4}}}}); err != nil {
		t.Fatal(err)
	}
	orgA, orgB := e.createOrg("Förening A", "0880"), e.createOrg("Förening B", "0880")
	a := e.coordinator(admin, "namn-a@example.org", orgA, "0880")
	b := e.coordinator(admin, "namn-b@example.org", orgB, "0880")
	const (
		mentoring = eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING
		dinners   = eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS
		guides    = eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES
	)
	s := namesakeLists{coord: a}
	s.amal1 = namedPerson(t, a, orgA, "0880", "Amal", "Hassan", "ar", mentoring)
	s.leila = namedPerson(t, a, orgA, "0880", "Leila", "Hassan", "ar", mentoring)
	namedPerson(t, a, orgA, "0880", "Tesfay", "Berhane", "ti", mentoring, guides)
	namedPerson(t, a, orgA, "0880", "Selam", "Berhane", "ti", mentoring, guides)
	s.amal2 = namedPerson(t, a, orgA, "0880", "Amal", "Hassan", "ar", dinners, guides)
	nour := namedPerson(t, a, orgA, "0880", "Nour", "Hassan", "ar", dinners, guides)
	namedPerson(t, a, orgA, "0880", "Tesfay", "Berhane", "ti", dinners)
	namedPerson(t, b, orgB, "0880", "Leila", "Hassan", "ar", dinners)
	namedPerson(t, b, orgB, "0880", "Nour", "Hassan", "ar", dinners)
	namedPerson(t, b, orgB, "0880", "Selam", "Berhane", "ti", dinners)
	s.amalB = namedPerson(t, b, orgB, "0880", "Amal", "Hassan", "ar", dinners)
	s.berit = mentor(t, a, orgA, "0880", "Berit")
	host := dinnerHost(t, a, orgA, "0880", "Karin")
	if _, err := a.registry.CreateVolunteer(ctx, connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
		OrganisationId: orgA, MunicipalityCode: "0880", GivenName: "Berit", FamilyName: "Andersson",
		Languages: []*typev1.LanguageSkill{{Code: "sv", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 1}},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: time.Now().AddDate(0, -1, 0).Format(time.DateOnly),
			ValidUntil: time.Now().AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "test"},
		BirthYear: 1970, HouseholdSize: 2,
	}})); err != nil {
		t.Fatal(err)
	}
	mentor(t, b, orgB, "0880", "Berit")
	dinnerHost(t, a, orgA, "0880", "Karin") // Karin Lindgren without an offer

	var job *mentoringv1.Job
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		var err error
		if job, err = finishedJob(t, a, "namn-"); err != nil {
			return err
		}
		if c := job.GetCounts(); c.GetNewcomers() != 4 || c.GetMentors() != 1 || c.GetProposals() != 2 {
			return fmt.Errorf("job counts %v, want 4 newcomers, 1 mentor, 2 proposals", c)
		}
		return nil
	})
	s.mentoring = job.GetId()

	day := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	dinnerOffer(t, a, host, "0880", 4, day)
	dinnerSignUp(t, a, s.amal2, "0880", day)
	dinnerSignUp(t, a, nour, "0880", day)
	dj := runDinnerJob(t, a, "namn-dinners")
	if n := dj.GetCounts().GetProposals(); n != 2 {
		t.Fatalf("dinners job proposed %d seatings, want 2", n)
	}
	s.dinners = dj.GetId()

	var gj *guidesv1.Job
	testutil.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		if gj == nil {
			el, err := a.guides.ListGuideEligibility(ctx, connect.NewRequest(&gatewayv1.ListGuideEligibilityRequest{}))
			if err != nil || el.Msg.GetTotalSize() != 4 {
				return fmt.Errorf("eligibility: %d newcomers (%v), want 4", el.Msg.GetTotalSize(), err)
			}
			st, err := a.guides.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: "namn-guides"}))
			if err != nil {
				return err
			}
			gj = st.Msg.GetJob()
		}
		j, err := a.guides.GetGuideJob(ctx, connect.NewRequest(&gatewayv1.GetGuideJobRequest{Id: gj.GetId()}))
		if err != nil {
			return err
		}
		if gj = j.Msg.GetJob(); gj.GetState() != guidesv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("guides job %v", gj.GetState())
		}
		return nil
	})
	if n := gj.GetCounts(); n["proposals"] != 2 || n["unassigned"] != 2 {
		t.Fatalf("guides job counts %v, want 2 proposals and 2 unassigned", n)
	}
	s.guides = gj.GetId()
	return s
}

// markedRe finds a name with its mark, "Amal Hassan, Kalmar (registrerad
// …)", in a page's or mp's text; the municipality is on every list's name
// since ADR 0220.
func markedRe(name string) *regexp.Regexp {
	return regexp.MustCompile(regexp.QuoteMeta(name) + `(, [^,()\n]+?)?\s+\(registrerad [^)]+\)`)
}

// TestNamesakesOnEveryListToldApart: the lists a coordinator acts on
// (proposals, left out, waiting, dinners seatings, guides proposals,
// assignments and those without a guide) marked namesakes only among
// their own rows, so "Amal Hassan" read as one person while another Amal
// Hassan the coordinator may see was in no row of the page. Each now
// marks its person from the namesakes over the caller's whole scope (ADR
// 0200), a mentor too; a person whose only namesake is in another
// organisation is not marked (no leak), and the API answers nothing about
// a person outside the caller's scope.
func TestNamesakesOnEveryListToldApart(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	s := plantNamesakeLists(t, e)
	ctx := testutil.Context(t)
	br := e.swedishBrowser("namn-a@example.org")
	pages := []struct {
		path          string
		marked, plain []string
	}{
		{"/matching?job=" + s.mentoring, []string{"Amal Hassan", "Berit Andersson"}, []string{"Leila Hassan"}},
		{"/matching/jobs/" + s.mentoring + "/unmatched", []string{"Tesfay Berhane"}, []string{"Selam Berhane"}},
		{"/matching/waiting", []string{"Tesfay Berhane"}, []string{"Selam Berhane"}},
		{"/dinners?job=" + s.dinners, []string{"Amal Hassan"}, []string{"Nour Hassan"}},
		{"/guides/assign?job=" + s.guides, []string{"Amal Hassan"}, []string{"Nour Hassan"}},
		{"/guides/jobs/" + s.guides + "/unassigned", []string{"Tesfay Berhane"}, []string{"Selam Berhane"}},
		{"/guides", []string{"Amal Hassan", "Tesfay Berhane"}, []string{"Nour Hassan", "Selam Berhane"}},
		{"/dinners/signups", []string{"Amal Hassan"}, []string{"Nour Hassan"}},
		{"/dinners/offers", []string{"Karin Lindgren"}, nil},
	}
	for _, pg := range pages {
		code, body := br.get(pg.path)
		text := visibleText(body)
		if code != http.StatusOK {
			t.Errorf("%s: %d\n%s", pg.path, code, trim(text))
			continue
		}
		for _, n := range pg.marked {
			if !markedRe(n).MatchString(text) {
				t.Errorf("%s: %s without when registered, though a namesake is on no row of it:\n%s", pg.path, n, trim(text))
			}
		}
		for _, n := range pg.plain {
			if !strings.Contains(text, n) || markedRe(n).MatchString(text) {
				t.Errorf("%s: want %s listed and unmarked (the namesake is another organisation's):\n%s", pg.path, n, trim(text))
			}
		}
	}

	// The seatings page, once the proposals are approved.
	seats, err := s.coord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: s.dinners}))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range seats.Msg.GetSeatings() {
		if _, err := s.coord.dinners.ApproveSeating(ctx, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: v.GetSeating().GetId()})); err != nil {
			t.Fatal(err)
		}
	}
	_, body := br.get("/dinners/seatings")
	if text := visibleText(body); !markedRe("Amal Hassan").MatchString(text) || markedRe("Nour Hassan").MatchString(text) || !strings.Contains(text, "Nour Hassan") {
		t.Errorf("/dinners/seatings: want Amal Hassan marked and Nour Hassan listed plain:\n%s", trim(text))
	}

	// The guides' assignments page, once the proposals are approved.
	assigned, err := s.coord.guides.ListGuideAssignments(ctx, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{JobId: s.guides}))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range assigned.Msg.GetAssignments() {
		if _, err := s.coord.guides.ApproveGuideAssignment(ctx, connect.NewRequest(&gatewayv1.ApproveGuideAssignmentRequest{Id: v.GetAssignment().GetId()})); err != nil {
			t.Fatal(err)
		}
	}
	_, body = br.get("/guides/assignments")
	if text := visibleText(body); !markedRe("Amal Hassan").MatchString(text) || markedRe("Nour Hassan").MatchString(text) || !strings.Contains(text, "Nour Hassan") {
		t.Errorf("/guides/assignments: want Amal Hassan marked and Nour Hassan listed plain:\n%s", trim(text))
	}

	// The API: the group over the caller's scope, nothing about a person
	// outside it, and the cap.
	res, err := s.coord.registry.ListNamesakes(ctx, connect.NewRequest(&gatewayv1.ListNamesakesRequest{
		ParticipantIds: []string{s.amal1, s.leila}, VolunteerIds: []string{s.berit}}))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range res.Msg.GetParticipantNamesakes() {
		if n.GetOfId() != s.amal1 || n.GetCreateTime() == nil {
			t.Errorf("namesake %v: want of Amal %s, with its registration time", n, s.amal1)
		}
		got = append(got, n.GetId())
	}
	if slices.Sort(got); !slices.Equal(got, sorted(s.amal1, s.amal2)) {
		t.Errorf("Amal's namesakes %v, want both of organisation A (%s, %s) and not B's %s", got, s.amal1, s.amal2, s.amalB)
	}
	if n := len(res.Msg.GetVolunteerNamesakes()); n != 2 {
		t.Errorf("Berit's namesakes: %d, want 2 (A's), got %v", n, res.Msg.GetVolunteerNamesakes())
	}
	foreign, err := s.coord.registry.ListNamesakes(ctx, connect.NewRequest(&gatewayv1.ListNamesakesRequest{ParticipantIds: []string{s.amalB}}))
	if err != nil || len(foreign.Msg.GetParticipantNamesakes()) != 0 {
		t.Errorf("asked about another organisation's Amal: %v %v, want nothing", foreign, err)
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = s.amal1
	}
	if _, err := s.coord.registry.ListNamesakes(ctx, connect.NewRequest(&gatewayv1.ListNamesakesRequest{ParticipantIds: many})); connect.CodeOf(err) != connect.CodeInvalidArgument {
		t.Errorf("101 ids: %v, want invalid_argument", err)
	}
}

// TestNamesakesOnEveryListToldApartInMp: mp's lists of the same people
// (proposals, left out, waiting, seatings, guides assignments and those
// without a guide) mark a person whose namesake is in no row of the list,
// and not one whose only namesake is in another organisation. Before
// (ADR 0200), proposals, left out, waiting and without a guide marked only
// among their rows, and seatings and assignments never.
func TestNamesakesOnEveryListToldApartInMp(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	s := plantNamesakeLists(t, e)
	dir := t.TempDir()
	mp(t, dir, "login", "-server", e.base, "-email", "namn-a@example.org")
	mark := func(name string) *regexp.Regexp {
		return regexp.MustCompile(regexp.QuoteMeta(name) + `(, [^,()\n]+?)?\s+\((registrerad|registered) [^)]+\)`)
	}
	for _, c := range []struct {
		args          []string
		marked, plain []string
	}{
		{[]string{"proposals", "list", "-job", s.mentoring}, []string{"Amal Hassan", "Berit Andersson"}, []string{"Leila Hassan"}},
		{[]string{"jobs", "unmatched", s.mentoring}, []string{"Tesfay Berhane"}, []string{"Selam Berhane"}},
		{[]string{"matching", "waiting"}, []string{"Tesfay Berhane"}, []string{"Selam Berhane"}},
		{[]string{"dinners", "seatings", "list", "-job", s.dinners}, []string{"Amal Hassan", "Karin Lindgren"}, []string{"Nour Hassan"}},
		{[]string{"guides", "assignments", "-job", s.guides}, []string{"Amal Hassan"}, []string{"Nour Hassan"}},
		{[]string{"guides", "jobs", "unassigned", s.guides}, []string{"Tesfay Berhane"}, []string{"Selam Berhane"}},
		{[]string{"guides", "eligibility"}, []string{"Amal Hassan", "Tesfay Berhane"}, []string{"Nour Hassan", "Selam Berhane"}},
		{[]string{"dinners", "signups", "list"}, []string{"Amal Hassan"}, []string{"Nour Hassan"}},
		{[]string{"dinners", "offers", "list"}, []string{"Karin Lindgren"}, nil},
	} {
		out := mp(t, dir, c.args...)
		for _, n := range c.marked {
			if !mark(n).MatchString(out) {
				t.Errorf("mp %s: %s without when registered, though a namesake is in no line of it:\n%s", strings.Join(c.args, " "), n, out)
			}
		}
		for _, n := range c.plain {
			if !strings.Contains(out, n) || mark(n).MatchString(out) {
				t.Errorf("mp %s: want %s listed and unmarked (the namesake is another organisation's):\n%s", strings.Join(c.args, " "), n, out)
			}
		}
	}
}

// sorted is ids in order.
func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// TestWaitingNamesakesOnTwoPages: the waiting list's first page marks its
// Amal Hassan, whose namesake waits on the second page (50 a page), and
// the second page marks the other, the two marks different; nobody else
// is marked. Before (ADR 0200) neither page marked anyone.
func TestWaitingNamesakesOnTwoPages(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	admin := e.login(adminEmail, adminPass)
	org := e.createOrg("Väntan", "0180")
	coord := e.coordinator(admin, "vantan@example.org", org, "0180")
	first := newcomer(t, coord, org, "0180", "Amal")
	for i := range 50 {
		newcomer(t, coord, org, "0180", "Nimo"+string(rune('a'+i/26))+string(rune('a'+i%26)))
	}
	second := newcomer(t, coord, org, "0180", "Amal")
	ctx := testutil.Context(t)
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		res, err := coord.matching.ListWaitingNewcomers(ctx, connect.NewRequest(&gatewayv1.ListWaitingNewcomersRequest{PageSize: 1}))
		if err != nil {
			return err
		}
		if res.Msg.GetTotalSize() != 52 {
			return fmt.Errorf("%d waiting, want 52", res.Msg.GetTotalSize())
		}
		return nil
	})
	b := e.swedishBrowser("vantan@example.org")
	_, page1 := b.get("/matching/waiting")
	if !strings.Contains(page1, first) || strings.Contains(page1, second) {
		t.Fatalf("page 1: want the first Amal and not the second: %s", trim(visibleText(page1)))
	}
	next := nextPageRe.FindStringSubmatch(page1)
	if next == nil {
		t.Fatalf("page 1 has no next page: %s", trim(visibleText(page1)))
	}
	_, page2 := b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if !strings.Contains(page2, second) {
		t.Fatalf("page 2 lacks the second Amal: %s", trim(visibleText(page2)))
	}
	marks := map[string]string{}
	for name, body := range map[string]string{"page 1": page1, "page 2": page2} {
		text := visibleText(body)
		if n := strings.Count(text, "(registrerad "); n != 1 {
			t.Errorf("%s marks %d people, want its Amal only:\n%s", name, n, trim(text))
		}
		if m := amalMarkRe.FindStringSubmatch(text); m != nil {
			marks[name] = m[1]
		} else {
			t.Errorf("%s: Amal Hassan without when she was registered:\n%s", name, trim(text))
		}
	}
	if marks["page 1"] == marks["page 2"] {
		t.Errorf("both Amal marked %q: want them told apart", marks["page 1"])
	}
}
