package server_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	gatewayv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/gateway/v1"
	participantsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/participants/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// dinnerGuest registers a newcomer who consents to dinners through c.
func dinnerGuest(t testing.TB, c *apiClient, org, muni, given string) string {
	t.Helper()
	res, err := c.registry.CreateParticipant(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateParticipantRequest{Participant: &participantsv1.Participant{
		OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: "Haddad", Gender: typev1.Gender_GENDER_WOMAN,
		Languages:    []*typev1.LanguageSkill{{Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B, Household: &participantsv1.Household{Size: 2},
		Consents: []*participantsv1.Consent{{Purpose: eventsv1.ConsentPurpose_CONSENT_PURPOSE_DINNERS, TextVersion: "2026-01", Language: "sv"}},
	}}))
	if err != nil {
		t.Fatalf("create guest: %v", err)
	}
	return res.Msg.GetParticipant().GetId()
}

// dinnerHost registers a volunteer with the dinner-host role and a valid
// background check through c.
func dinnerHost(t testing.TB, c *apiClient, org, muni, given string) string {
	t.Helper()
	now := time.Now()
	res, err := c.registry.CreateVolunteer(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateVolunteerRequest{Volunteer: &volunteersv1.Volunteer{
		OrganisationId: org, MunicipalityCode: muni, GivenName: given, FamilyName: "Lindgren",
		Languages: []*typev1.LanguageSkill{{Code: "sv", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_NATIVE}, {Code: "ar", Level: typev1.LanguageLevel_LANGUAGE_LEVEL_CONVERSATIONAL}},
		Roles:     []*eventsv1.RoleCapacity{{Role: eventsv1.VolunteerRole_VOLUNTEER_ROLE_DINNER_HOST, Capacity: 1}},
		BackgroundCheck: &volunteersv1.BackgroundCheck{Seen: true, SeenDate: now.AddDate(0, -1, 0).Format(time.DateOnly),
			ValidUntil: now.AddDate(1, 0, 0).Format(time.DateOnly), Verifier: "test"},
		BirthYear: 1970, HouseholdSize: 2,
	}}))
	if err != nil {
		t.Fatalf("create host: %v", err)
	}
	return res.Msg.GetVolunteer().GetId()
}

// dinnerOffer creates an offer for host once the dinners service has the
// host in its pool (it learns of hosts from the volunteers' events).
func dinnerOffer(t testing.TB, c *apiClient, host, muni string, seats int32, dates ...string) *gatewayv1.DinnerOfferView {
	t.Helper()
	o := &dinnersv1.Offer{MunicipalityCode: muni, VolunteerId: host, Seats: seats, Languages: []string{"ar"},
		Kitchen: &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}}, Composition: dinnersv1.Composition_COMPOSITION_COUPLE}
	for _, d := range dates {
		o.Dinners = append(o.Dinners, &dinnersv1.Dinner{Date: d, StartTime: "18:00"})
	}
	var out *gatewayv1.DinnerOfferView
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		res, err := c.dinners.CreateDinnerOffer(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateDinnerOfferRequest{RequestId: "offer-" + host, Offer: o}))
		if err != nil {
			return err
		}
		out = res.Msg.GetOffer()
		return nil
	})
	return out
}

// dinnerSignUp is dinnerOffer for a guest's sign-up with a party of two.
func dinnerSignUp(t testing.TB, c *apiClient, guest, muni string, dates ...string) *gatewayv1.DinnerSignUpView {
	t.Helper()
	s := &dinnersv1.SignUp{MunicipalityCode: muni, ParticipantId: guest, SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_B,
		Party:     []*dinnersv1.PartyMember{{Age: 34, Relation: dinnersv1.Relation_RELATION_SELF}, {Age: 8, Relation: dinnersv1.Relation_RELATION_CHILD}},
		Languages: []string{"ar"}, Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}, Dates: dates, Composition: dinnersv1.Composition_COMPOSITION_FAMILY, FirstTime: true}
	var out *gatewayv1.DinnerSignUpView
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		res, err := c.dinners.CreateDinnerSignUp(testutil.Context(t), connect.NewRequest(&gatewayv1.CreateDinnerSignUpRequest{RequestId: "signup-" + guest, SignUp: s}))
		if err != nil {
			return err
		}
		out = res.Msg.GetSignUp()
		return nil
	})
	return out
}

// violations returns the field names of a Connect error's BadRequest.
func violations(err error) []string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil
	}
	var out []string
	for _, d := range ce.Details() {
		if v, derr := d.Value(); derr == nil {
			if br, ok := v.(*errdetails.BadRequest); ok {
				for _, fv := range br.GetFieldViolations() {
					out = append(out, fv.GetField())
				}
			}
		}
	}
	return out
}

// runDinnerJob starts a job and waits for it to succeed.
func runDinnerJob(t testing.TB, c *apiClient, requestID string) *dinnersv1.Job {
	t.Helper()
	ctx := testutil.Context(t)
	res, err := c.dinners.StartDinnerJob(ctx, connect.NewRequest(&gatewayv1.StartDinnerJobRequest{RequestId: requestID}))
	if err != nil {
		t.Fatalf("start job: %v", err)
	}
	var job *dinnersv1.Job
	testutil.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		r, err := c.dinners.GetDinnerJob(ctx, connect.NewRequest(&gatewayv1.GetDinnerJobRequest{Id: res.Msg.GetJob().GetId()}))
		if err != nil {
			return err
		}
		if job = r.Msg.GetJob(); job.GetState() != dinnersv1.JobState_JOB_STATE_SUCCEEDED {
			return fmt.Errorf("job %v %s", job.GetState(), job.GetPhase())
		}
		return nil
	})
	return job
}

// confirmOnlySeating approves the one seating job proposed and records
// both sides' yes: a confirmed dinner, as the browser tests start from.
func confirmOnlySeating(t testing.TB, coord *apiClient, job *dinnersv1.Job) string {
	t.Helper()
	rpc := testutil.Context(t)
	seats, err := coord.dinners.ListSeatings(rpc, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: job.GetId()}))
	if err != nil || len(seats.Msg.GetSeatings()) != 1 {
		t.Fatalf("the job's seatings: %v %v", seats, err)
	}
	id := seats.Msg.GetSeatings()[0].GetSeating().GetId()
	if _, err := coord.dinners.ApproveSeating(rpc, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: id})); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := coord.dinners.RecordRsvp(rpc, connect.NewRequest(&gatewayv1.RecordRsvpRequest{Id: id, Party: party, Accept: true})); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// TestDinnersFlow seats a party through the gateway's API with the real
// dinners service behind it: sign-up and offer, a job with the engine's
// explanation, a rejection without a reason refused with a field
// violation, approval, both RSVPs, attendance after the day, feedback of
// both sides, the waitlist and the report; and a coordinator of another
// organisation gets NotFound for every record, as for an id that names
// nothing.
func TestDinnersFlow(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e := start(t, envOptions{clock: clk})
	ctx := testutil.Context(t)
	admin := e.login(adminEmail, adminPass)
	// createOrg signs with the real clock: bring the test clock up to it
	// (a slow start under load would leave it beyond the tokens' leeway).
	clk.Advance(time.Since(clk.Now()))
	org := e.createOrg("Invitationsdepartementet", "0180")
	other := e.createOrg("Annan förening", "0180")
	coord := e.coordinator(admin, "dinners@example.org", org, "0180")
	stranger := e.coordinator(admin, "other@example.org", other, "0180")

	day := clk.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	host := dinnerHost(t, coord, org, "0180", "Karin")
	guest := dinnerGuest(t, coord, org, "0180", "Leila")
	offer := dinnerOffer(t, coord, host, "0180", 4, day)
	if offer.GetHostName() != "Karin Lindgren" || offer.GetOffer().GetOrganisationId() != org {
		t.Fatalf("offer view: %v", offer)
	}
	signUp := dinnerSignUp(t, coord, guest, "0180", day)
	list, err := coord.dinners.ListDinnerSignUps(ctx, connect.NewRequest(&gatewayv1.ListDinnerSignUpsRequest{PageSize: 10}))
	if err != nil {
		t.Fatal(err)
	}
	if list.Msg.GetTotalSize() != 1 || len(list.Msg.GetSignUps()) != 1 || list.Msg.GetSignUps()[0].GetParticipantName() != "Leila Haddad" {
		t.Fatalf("sign-ups: %v", list.Msg)
	}

	// Bad input: each problem is a field violation.
	_, err = coord.dinners.CreateDinnerOffer(ctx, connect.NewRequest(&gatewayv1.CreateDinnerOfferRequest{RequestId: "bad-offer",
		Offer: &dinnersv1.Offer{MunicipalityCode: "0180", VolunteerId: host, Seats: 0, Dinners: []*dinnersv1.Dinner{{Date: "2020-01-01", StartTime: "18:00"}}}}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(strings.Join(violations(err), " "), "offer.seats") {
		t.Fatalf("offer with 0 seats: %v %v", err, violations(err))
	}

	job := runDinnerJob(t, coord, "dinner-job-1")
	if job.GetCounts().GetProposals() != 1 || job.GetBound() < job.GetObjective() {
		t.Fatalf("job: %v", job)
	}
	seats, err := coord.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{JobId: job.GetId(),
		Statuses: []eventsv1.SeatingStatus{eventsv1.SeatingStatus_SEATING_STATUS_PROPOSED}}))
	if err != nil {
		t.Fatal(err)
	}
	if seats.Msg.GetTotalSize() != 1 || len(seats.Msg.GetSeatings()) != 1 {
		t.Fatalf("proposals: %v", seats.Msg)
	}
	p := seats.Msg.GetSeatings()[0]
	if p.GetParticipantName() != "Leila Haddad" || p.GetHostName() != "Karin Lindgren" || len(p.GetSeating().GetScoreParts()) == 0 ||
		p.GetSeating().GetSignUpId() != signUp.GetSignUp().GetId() {
		t.Fatalf("proposal view: %v", p)
	}
	id := p.GetSeating().GetId()

	_, err = coord.dinners.RejectSeating(ctx, connect.NewRequest(&gatewayv1.RejectSeatingRequest{Id: id}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || strings.Join(violations(err), " ") != "reason" {
		t.Fatalf("reject without a reason: %v %v", err, violations(err))
	}

	// Scope: the other organisation's coordinator gets what an unknown id
	// gets.
	unknown := "01a20989-0000-7000-8000-000000000000"
	_, errUnknown := stranger.dinners.GetSeating(ctx, connect.NewRequest(&gatewayv1.GetSeatingRequest{Id: unknown}))
	_, errForeign := stranger.dinners.GetSeating(ctx, connect.NewRequest(&gatewayv1.GetSeatingRequest{Id: id}))
	if connect.CodeOf(errForeign) != connect.CodeNotFound || errForeign.Error() != errUnknown.Error() {
		t.Fatalf("foreign seating: %v; unknown: %v", errForeign, errUnknown)
	}
	_, errForeign = stranger.dinners.ApproveSeating(ctx, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: id}))
	if connect.CodeOf(errForeign) != connect.CodeNotFound {
		t.Fatalf("foreign approval: %v", errForeign)
	}
	_, errForeign = stranger.dinners.GetDinnerOffer(ctx, connect.NewRequest(&gatewayv1.GetDinnerOfferRequest{Id: offer.GetOffer().GetId()}))
	_, errUnknown = stranger.dinners.GetDinnerOffer(ctx, connect.NewRequest(&gatewayv1.GetDinnerOfferRequest{Id: unknown}))
	if connect.CodeOf(errForeign) != connect.CodeNotFound || errForeign.Error() != errUnknown.Error() {
		t.Fatalf("foreign offer: %v; unknown: %v", errForeign, errUnknown)
	}
	_, errForeign = stranger.dinners.UpdateDinnerSignUp(ctx, connect.NewRequest(&gatewayv1.UpdateDinnerSignUpRequest{
		SignUp: &dinnersv1.SignUp{Id: signUp.GetSignUp().GetId(), FirstTime: false}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"first_time"}}}))
	if connect.CodeOf(errForeign) != connect.CodeNotFound {
		t.Fatalf("foreign sign-up update: %v", errForeign)
	}
	if l, err := stranger.dinners.ListSeatings(ctx, connect.NewRequest(&gatewayv1.ListSeatingsRequest{})); err != nil || l.Msg.GetTotalSize() != 0 {
		t.Fatalf("foreign list: %v %v", l, err)
	}

	if _, err := coord.dinners.ApproveSeating(ctx, connect.NewRequest(&gatewayv1.ApproveSeatingRequest{Id: id})); err != nil {
		t.Fatalf("approve: %v", err)
	}
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := coord.dinners.RecordRsvp(ctx, connect.NewRequest(&gatewayv1.RecordRsvpRequest{Id: id, Party: party, Accept: true})); err != nil {
			t.Fatalf("RSVP %v: %v", party, err)
		}
	}
	got, err := coord.dinners.GetSeating(ctx, connect.NewRequest(&gatewayv1.GetSeatingRequest{Id: id}))
	if err != nil || got.Msg.GetSeating().GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		t.Fatalf("after both RSVPs: %v %v", got, err)
	}
	att := []*dinnersv1.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}
	_, err = coord.dinners.RecordAttendance(ctx, connect.NewRequest(&gatewayv1.RecordAttendanceRequest{Id: id, Attendance: att}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("attendance before the dinner: %v", err)
	}
	clk.Advance(6 * 24 * time.Hour)
	if _, err := coord.dinners.RecordAttendance(ctx, connect.NewRequest(&gatewayv1.RecordAttendanceRequest{Id: id, Attendance: att})); err != nil {
		t.Fatalf("attendance: %v", err)
	}
	fb := &dinnersv1.Feedback{WouldMeetAgain: true, LanguagePractised: true, FirstTimeInSwedishHome: true, Rating: 5}
	if _, err := coord.dinners.RecordFeedback(ctx, connect.NewRequest(&gatewayv1.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: fb})); err != nil {
		t.Fatalf("guest feedback: %v", err)
	}
	fb.FirstTimeInSwedishHome = false
	res, err := coord.dinners.RecordFeedback(ctx, connect.NewRequest(&gatewayv1.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: fb}))
	if err != nil {
		t.Fatalf("host feedback: %v", err)
	}
	s := res.Msg.GetSeating().GetSeating()
	if s.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_HELD || s.GetGuestFeedback().GetRating() != 5 || s.GetHostFeedback().GetRating() != 5 {
		t.Fatalf("held seating: %v", s)
	}

	month := clk.Now().AddDate(0, 0, -1).Format("2006-01")
	rep, err := coord.dinners.GetDinnerReport(ctx, connect.NewRequest(&gatewayv1.GetDinnerReportRequest{FromMonth: month, ToMonth: month}))
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, r := range rep.Msg.GetReport().GetRows() {
		if r.GetDimension() == "" && r.GetMunicipalityCode() == "0180" {
			held += int(r.GetDinnersHeld())
		}
	}
	if held != 1 {
		t.Fatalf("report rows: %v", rep.Msg.GetReport().GetRows())
	}
	if _, err := coord.dinners.GetDinnerWaitlist(ctx, connect.NewRequest(&gatewayv1.GetDinnerWaitlistRequest{})); err != nil {
		t.Fatalf("waitlist: %v", err)
	}
	if _, err := stranger.dinners.GetDinnerReport(ctx, connect.NewRequest(&gatewayv1.GetDinnerReportRequest{OrganisationId: org})); err == nil {
		t.Fatal("a coordinator read another organisation's report")
	}
}
