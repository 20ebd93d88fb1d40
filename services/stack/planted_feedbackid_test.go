package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPlanted_FeedbackRequestIDErasure plants through session 49's new
// path (outside50, ADR 0281): feedback's request_id (ADR 0273), a
// client's free string of 1-64 letters, digits, '-' and '_', where a
// badly built integration may well put a name ("Samira_Haddad_dinner").
// A held seating of yesterday (RecordPastSeating, attendance) gets each
// side's feedback with a request id made of that side's marker, then a
// newer feedback of each side, so the first ids live on in the seating's
// replaced_*_feedback_requests. The ids are read back (the API); the logs
// and spans never hold them, nor the people's markers; after both people
// are erased no value is on disk, in Redis, the logs or the spans.
func TestPlanted_FeedbackRequestIDErasure(t *testing.T) { plantedFeedbackID(t, false) }

// TestPlanted_FeedbackRequestIDUnsealedIsVisible is its control: unsealed,
// the raw grep finds every planted value, the request ids too, on disk.
func TestPlanted_FeedbackRequestIDUnsealedIsVisible(t *testing.T) { plantedFeedbackID(t, true) }

func plantedFeedbackID(t *testing.T, unsealed bool) {
	cfg, dir, redisURL, logs, spans := plantedConfig(t, unsealed)
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	mg, mn, mh := newMarkers(t), newMarkers(t), newMarkers(t)
	pp := startProgrammePeople(t, ctx, cfg, l, c, "Planted feedback ids", mg, mn, mh)
	yesterday := pp.today.AddDate(0, 0, -1).Format(time.DateOnly)
	dc := dinnersv1.NewDinnerServiceClient(stackConn(t, cfg, l, "dinners"))

	var offer, signUp string
	if err := retry(ctx, func() error {
		res, err := dc.CreateOffer(ctx, &dinnersv1.CreateOfferRequest{RequestId: "fbid-offer", Offer: &dinnersv1.Offer{
			OrganisationId: pp.org, MunicipalityCode: "0880", VolunteerId: pp.host, Seats: 4, Address: "Storgatan 1, Kalmar",
			Kitchen:     &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}},
			Composition: dinnersv1.Composition_COMPOSITION_COUPLE, Languages: []string{"ar", "sv"},
			Dinners: []*dinnersv1.Dinner{{Date: pp.day, StartTime: "18:00"}}}})
		offer = res.GetOffer().GetId()
		return err
	}); err != nil {
		t.Fatalf("create offer: %v", err)
	}
	if err := retry(ctx, func() error {
		res, err := dc.CreateSignUp(ctx, &dinnersv1.CreateSignUpRequest{RequestId: "fbid-signup", SignUp: &dinnersv1.SignUp{
			OrganisationId: pp.org, MunicipalityCode: "0880", ParticipantId: pp.guest, Languages: []string{"ar"}, Dates: []string{pp.day},
			Party:        []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Composition: dinnersv1.Composition_COMPOSITION_FAMILY}})
		signUp = res.GetSignUp().GetId()
		return err
	}); err != nil {
		t.Fatalf("create sign-up: %v", err)
	}
	rec, err := dc.RecordPastSeating(ctx, &dinnersv1.RecordPastSeatingRequest{SignUpId: signUp, OfferId: offer, Date: yesterday, StartTime: "18:00"})
	if err != nil {
		t.Fatalf("record past seating: %v", err)
	}
	seating := rec.GetSeating().GetId()
	if _, err := dc.RecordAttendance(ctx, &dinnersv1.RecordAttendanceRequest{Id: seating,
		Attendance: []*dinnersv1.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}}); err != nil {
		t.Fatalf("attendance: %v", err)
	}
	// Each side: a feedback under an id of its markers, then a newer one
	// under another, so the first lives on among the replaced.
	ids := map[eventsv1.DinnerParty][2]string{
		eventsv1.DinnerParty_DINNER_PARTY_GUEST: {mg.name("Fbid_guest", 1), mg.name("Fbid_guest", 2)},
		eventsv1.DinnerParty_DINNER_PARTY_HOST:  {mh.name("Fbid_host", 1), mh.name("Fbid_host", 2)},
	}
	calls := 3
	for party, rid := range ids {
		for k, r := range rid {
			calls++
			if _, err := dc.RecordFeedback(ctx, &dinnersv1.RecordFeedbackRequest{Id: seating, Party: party,
				Feedback: &dinnersv1.Feedback{Rating: int32(3 + k), WouldMeetAgain: k == 1, RequestId: r}}); err != nil {
				t.Fatalf("feedback %v %d: %v", party, k, err)
			}
		}
	}
	got, err := dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: seating})
	if err != nil {
		t.Fatal(err)
	}
	s := got.GetSeating()
	g, h := ids[eventsv1.DinnerParty_DINNER_PARTY_GUEST], ids[eventsv1.DinnerParty_DINNER_PARTY_HOST]
	if s.GetGuestFeedback().GetRequestId() != g[1] || s.GetHostFeedback().GetRequestId() != h[1] ||
		!slices.Equal(s.GetReplacedGuestFeedbackRequests(), g[:1]) || !slices.Equal(s.GetReplacedHostFeedbackRequests(), h[:1]) {
		t.Fatalf("the held seating does not hold the planted request ids: %v", s)
	}
	planted := append(slices.Clone(mg.all), mh.all...)
	if !eraseHeldPeople(t, ctx, l, c, pp, dc, seating, planted, plantedRun{dir, redisURL, logs, spans, stop, unsealed}) {
		return
	}
	stop()
	searchPlanted(t, ctx, "feedback request ids", planted, dir, redisURL, logs, spans)
	if !strings.Contains(logs.String(), `"serving"`) || len(spans.GetSpans()) == 0 {
		t.Error("the stack's logs or spans were not captured: the search saw nothing")
	}
	t.Logf("%d calls; %d planted values searched for (4 of them request ids)", calls, len(planted))
}
