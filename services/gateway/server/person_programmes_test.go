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
	guidesv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/guides/v1"
	mentoringv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/gateway/internal/localtime"
)

// programmesSetup is a newcomer with an ended pair (its mentor deleted
// since), an active pair with a check-in and an active guide; one who
// waits for a mentor and for a guide; one in no programme (ADR 0279).
type programmesSetup struct {
	coordEmail, otherEmail string
	amina, leila, nour     string
	ended, active          string
	today                  string
}

// programmeNewcomer registers a newcomer in 0880 speaking lang, entitled
// to a guide (permit two months back, enrolled), with consent to
// mentoring and guides, or to nothing.
func programmeNewcomer(t testing.TB, c *apiClient, org, given, lang string, consents bool) string {
	t.Helper()
	p := &participantsv1.Participant{OrganisationId: org, MunicipalityCode: "0880", GivenName: given, FamilyName: "Hassan",
		Languages:    []*typev1.LanguageSkill{{Code: lang, Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 1}, Interests: []string{"cooking"},
		Gender: typev1.Gender_GENDER_WOMAN, ResidencePermitDate: time.Now().AddDate(0, -2, 0).Format(time.DateOnly),
		EstablishmentStatus: eventsv1.EstablishmentStatus_ESTABLISHMENT_STATUS_ENROLLED}
	if consents {
		for _, pu := range []eventsv1.ConsentPurpose{eventsv1.ConsentPurpose_CONSENT_PURPOSE_MENTORING, eventsv1.ConsentPurpose_CONSENT_PURPOSE_GUIDES} {
			p.Consents = append(p.Consents, &participantsv1.Consent{Purpose: pu, TextVersion: "2026-01", Language: "sv"})
		}
	}
	res, err := c.registry.CreateParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: p}))
	if err != nil {
		t.Fatalf("create newcomer: %v", err)
	}
	return res.Msg.GetParticipant().GetId()
}

func setupProgrammes(t *testing.T, e *env, tag string) programmesSetup {
	t.Helper()
	ctx := testutil.Context(t)
	s := programmesSetup{coordEmail: "prog-" + tag + "@example.org", otherEmail: "prog-other-" + tag + "@example.org",
		today: time.Now().In(localtime.Zone).Format(time.DateOnly)}
	admin := e.login(adminEmail, adminPass)
	if _, err := e.serviceClient().CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Lotsarna i Kalmar", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"},
		IsGuideOrganisation: true, GuideCapacities: []*eventsv1.GuideCapacity{{MunicipalityCode: "0880", Language: "ar", Capacity: 2}}}}); err != nil {
		t.Fatal(err)
	}
	org := e.createOrg("Röda Korset Kalmar", "0880")
	other := e.createOrg("Annan förening", "0880")
	coord := e.coordinator(admin, s.coordEmail, org, "0880")
	e.coordinator(admin, s.otherEmail, other, "0880")
	b := e.browser()
	b.signIn(s.coordEmail, password)
	erik := mentor(t, coord, org, "0880", "Erik")
	s.amina = programmeNewcomer(t, coord, org, "Amina", "ar", true)
	s.nour = programmeNewcomer(t, coord, org, "Nour", "ar", false)

	// Erik and Amina: active, a check-in, ended (lost contact); Erik is
	// deleted since, so the pair stays without his name.
	s.ended = proposal(t, coord).GetPair().GetId()
	activatePair(t, b, s.ended)
	checkIn := func(id string) {
		if _, err := coord.matching.RecordCheckIn(ctx, connect.NewRequest(&gatewayv1.RecordCheckInRequest{Id: id, CheckIn: &mentoringv1.CheckIn{
			Date: s.today, Met: true, Rating: mentoringv1.CheckInRating_CHECK_IN_RATING_GOOD, RequestId: "c-" + id}})); err != nil {
			t.Fatalf("check-in: %v", err)
		}
	}
	checkIn(s.ended)
	if _, err := coord.matching.EndPair(ctx, connect.NewRequest(&gatewayv1.EndPairRequest{Id: s.ended, Reason: eventsv1.EndReason_END_REASON_LOST_CONTACT})); err != nil {
		t.Fatalf("end: %v", err)
	}
	if _, err := coord.registry.DeleteVolunteer(ctx, connect.NewRequest(&gatewayv1.DeleteVolunteerRequest{Id: erik})); err != nil {
		t.Fatal(err)
	}
	// Sven and Amina: active with a check-in today.
	mentor(t, coord, org, "0880", "Sven")
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		if s.active = proposal(t, coord).GetPair().GetId(); s.active == s.ended {
			return fmt.Errorf("the ended pair again")
		}
		return nil
	})
	activatePair(t, b, s.active)
	checkIn(s.active)

	// Amina's guide: proposed, approved, accepted by both, active.
	var as []*gatewayv1.GuideAssignmentView
	testutil.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		job, err := coord.guides.StartGuideJob(ctx, connect.NewRequest(&gatewayv1.StartGuideJobRequest{RequestId: fmt.Sprintf("g%d", time.Now().UnixNano())}))
		if err != nil {
			return err
		}
		for range 100 {
			res, err := coord.guides.ListGuideAssignments(ctx, connect.NewRequest(&gatewayv1.ListGuideAssignmentsRequest{JobId: job.Msg.GetJob().GetId(),
				Statuses: []eventsv1.AssignmentStatus{eventsv1.AssignmentStatus_ASSIGNMENT_STATUS_PROPOSED}}))
			if err != nil {
				return err
			}
			if as = res.Msg.GetAssignments(); len(as) == 1 {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		return fmt.Errorf("%d guide proposals, want Amina's", len(as))
	})
	id := as[0].GetAssignment().GetId()
	if _, err := coord.guides.ApproveGuideAssignment(ctx, connect.NewRequest(&gatewayv1.ApproveGuideAssignmentRequest{Id: id})); err != nil {
		t.Fatal(err)
	}
	for _, p := range []guidesv1.AcceptingParty{guidesv1.AcceptingParty_ACCEPTING_PARTY_NEWCOMER, guidesv1.AcceptingParty_ACCEPTING_PARTY_ORGANISATION} {
		if _, err := coord.guides.AcceptGuideAssignment(ctx, connect.NewRequest(&gatewayv1.AcceptGuideAssignmentRequest{Id: id, Party: p})); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := coord.guides.ActivateGuideAssignment(ctx, connect.NewRequest(&gatewayv1.ActivateGuideAssignmentRequest{Id: id})); err != nil {
		t.Fatal(err)
	}
	// Leila, after the jobs: waits for a mentor, and for a guide (no
	// place in Tigrinya).
	s.leila = programmeNewcomer(t, coord, org, "Leila", "ti", true)
	return s
}

// sectionText is the visible text of page's section of class class, a
// link's end read as no space before a colon.
func sectionText(page, class string) (string, string) {
	k := strings.Index(page, `<section class="`+class+`"`)
	if k < 0 {
		return "", ""
	}
	section := page[k:]
	section = section[:strings.Index(section, "</section>")]
	return section, strings.ReplaceAll(strings.Join(strings.Fields(visibleText(section)), " "), " :", ":")
}

// inOrder fails t unless text holds every one of want, in order.
func inOrder(t *testing.T, what, text string, want ...string) {
	t.Helper()
	at := 0
	for _, w := range want {
		k := strings.Index(text[at:], w)
		if k < 0 {
			t.Errorf("%s lacks %q after %d:\n%s", what, w, at, text)
			return
		}
		at += k + len(w)
	}
}

// TestParticipantPageProgrammes: the newcomer's page shows their
// mentoring and their establishment guide (ADR 0279), in Swedish: the
// active pair with its mentor's link, since when and the last check-in;
// the ended one with its reason and its deleted mentor as "(borttagen)",
// never by name; the active guide with the organisation's link; a
// newcomer who waits for a mentor since their consent and for a guide;
// the empty states in words; another organisation's coordinator gets the
// answer an unknown newcomer gets, and no word of it.
func TestParticipantPageProgrammes(t *testing.T) {
	t.Parallel()
	e := start(t, envOptions{})
	s := setupProgrammes(t, e, "srv")
	b := e.browser()
	b.signIn(s.coordEmail, password)
	b.swedish()
	var page string
	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		code, p := b.get("/participants/" + s.amina)
		if code != http.StatusOK {
			return fmt.Errorf("the newcomer's page: %d", code)
		}
		if page = p; strings.Contains(p, "Erik") {
			return fmt.Errorf("the deleted mentor's name is still on the page")
		}
		return nil
	})
	section, text := sectionText(page, "person-mentoring")
	if section == "" {
		t.Fatalf("the newcomer's page has no mentoring section: %s", strings.Join(strings.Fields(visibleText(page)), " "))
	}
	mustContain(t, section, `href="/pairs/`+s.active+`"`, `href="/pairs/`+s.ended+`"`, `href="/volunteers/`)
	inOrder(t, "the mentoring section", text, "Mentor till mentor", "Nu",
		"Sven Andersson, Kalmar: aktiv sedan "+s.today+" · senaste uppföljning "+s.today+" · planerat slut ",
		"Tidigare", "(borttagen): avslutad "+s.today+" · aktivt från "+s.today+" · Skäl: Kontakten bröts")
	if strings.Contains(text, "Väntar på en mentor") {
		t.Errorf("a newcomer in an active pair waits: %s", text)
	}
	section, text = sectionText(page, "person-guide")
	if section == "" {
		t.Fatalf("the newcomer's page has no guide section")
	}
	mustContain(t, section, `href="/guides/organisations#org-`)
	inOrder(t, "the guide section", text, "Etableringslots", "Nu",
		"Lotsarna i Kalmar: pågår sedan "+s.today+" · lotsning på arabiska i Kalmar · etableringstiden slutar ")

	testutil.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		_, page := b.get("/participants/" + s.leila)
		_, m := sectionText(page, "person-mentoring")
		_, g := sectionText(page, "person-guide")
		if !strings.Contains(m, "Väntar på en mentor sedan "+s.today) ||
			!strings.Contains(g, "Har rätt till en etableringslots och väntar på ett förslag; etableringstiden slutar ") {
			return fmt.Errorf("a waiting newcomer: %q / %q", m, g)
		}
		return nil
	})
	_, page = b.get("/participants/" + s.nour)
	_, m := sectionText(page, "person-mentoring")
	_, g := sectionText(page, "person-guide")
	mustContain(t, m, "Mentor till mentor Inget mentorspar: personen har inget förslag, erbjudande eller par och står inte på väntelistan")
	mustContain(t, g, "Etableringslots Ingen etableringslots: personen har inget förslag eller uppdrag hos en lotsorganisation")

	ob := e.browser()
	ob.signIn(s.otherEmail, password)
	ob.swedish()
	unknownCode, unknown := ob.get("/participants/p-unknown-0001")
	code, other := ob.get("/participants/" + s.amina)
	if code != unknownCode || code != http.StatusNotFound {
		t.Errorf("another organisation's coordinator: %d, an unknown newcomer %d; want 404 for both", code, unknownCode)
	}
	for _, word := range []string{"Sven Andersson", "Lotsarna", "Amina", s.active, "Mentor till mentor"} {
		if strings.Contains(other, word) {
			t.Errorf("another organisation's coordinator reads %q", word)
		}
	}
	if visibleText(other) != visibleText(unknown) {
		t.Errorf("another organisation's newcomer reads unlike an unknown one:\n%s\n%s", visibleText(other), visibleText(unknown))
	}
}
