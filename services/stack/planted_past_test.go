package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	volunteersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestPlanted_PastSeatingErasure tries session 48's held dinners from
// outside (outside49, ADR 0274). A guest and a host with a marker in every
// personal field (the host's street address and the guest's SFI class
// too) are seated at a dinner of yesterday by RecordPastSeating, which
// every caller but an admin (a coordinator of the organisation, one of
// another, an operator, the gateway's and notify's service tokens) is
// refused in the words of ids of nothing, storing nothing. The admin's
// request is refused field by field for what the RPC documents; the held
// seating's attendance and feedback are refused for hostile values, and
// their retries (ADR 0272) from another scope are answered as for a
// seating of nothing. Before the erasure the values are read back (the
// API, Redis); the logs and spans never hold them. After both are erased
// their sign-up and offer are answered as ids of nothing, and no value is
// on disk, in Redis, the logs or the spans.
func TestPlanted_PastSeatingErasure(t *testing.T) { plantedPast(t, false) }

// TestPlanted_PastSeatingUnsealedIsVisible is its control: with sealing
// switched off, the raw grep finds every planted value of the guest and
// the host (the address and the SFI class too) on disk before the
// erasure, so the search after it can fail.
func TestPlanted_PastSeatingUnsealedIsVisible(t *testing.T) { plantedPast(t, true) }

func plantedPast(t *testing.T, unsealed bool) {
	cfg, dir, redisURL, logs, spans := plantedConfig(t, unsealed)
	l, _, stop := startStack(t, cfg)
	ctx := testutil.Context(t)
	c := dialClients(t, cfg, l)
	mg, mn, mh := newMarkers(t), newMarkers(t), newMarkers(t)
	pp := startProgrammePeople(t, ctx, cfg, l, c, "Planted past dinners", mg, mn, mh)
	yesterday := pp.today.AddDate(0, 0, -1).Format(time.DateOnly)
	dc := dinnersv1.NewDinnerServiceClient(stackConn(t, cfg, l, "dinners"))

	address := mh.name("street", 4) + " 9, Kalmar"
	class := mg.name("sfi", 4)
	var offer, signUp string
	if err := retry(ctx, func() error {
		res, err := dc.CreateOffer(ctx, &dinnersv1.CreateOfferRequest{RequestId: "past-offer", Offer: &dinnersv1.Offer{
			OrganisationId: pp.org, MunicipalityCode: "0880", VolunteerId: pp.host, Seats: 4, Address: address,
			Kitchen:     &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}},
			Composition: dinnersv1.Composition_COMPOSITION_COUPLE, Languages: []string{"ar", "sv"},
			Dinners: []*dinnersv1.Dinner{{Date: pp.day, StartTime: "18:00"}}}})
		offer = res.GetOffer().GetId()
		return err
	}); err != nil {
		t.Fatalf("create offer: %v", err)
	}
	if err := retry(ctx, func() error {
		res, err := dc.CreateSignUp(ctx, &dinnersv1.CreateSignUpRequest{RequestId: "past-signup", SignUp: &dinnersv1.SignUp{
			OrganisationId: pp.org, MunicipalityCode: "0880", ParticipantId: pp.guest, Languages: []string{"ar"}, Dates: []string{pp.day},
			Party:        []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}, {Age: 8, Relation: dinnersv1.Relation_RELATION_CHILD}},
			SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Composition: dinnersv1.Composition_COMPOSITION_FAMILY,
			SfiClass: class, Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}}})
		signUp = res.GetSignUp().GetId()
		return err
	}); err != nil {
		t.Fatalf("create sign-up: %v", err)
	}

	s := newSweeper(t, l)
	method := func(name string) serviceMethod {
		for _, m := range serviceMethods(t) {
			if m.path() == "/motesplats.dinners.v1.DinnerService/"+name {
				return m
			}
		}
		t.Fatalf("no method %s", name)
		return serviceMethod{}
	}
	past, attend, feedback := method("RecordPastSeating"), method("RecordAttendance"), method("RecordFeedback")
	orgB, err := c.v.CreateOrganisation(ctx, &volunteersv1.CreateOrganisationRequest{Organisation: &volunteersv1.Organisation{
		Name: "Planted past dinners B", Type: volunteersv1.OrganisationType_ORGANISATION_TYPE_ASSOCIATION, MunicipalityCodes: []string{"0880"}}})
	if err != nil {
		t.Fatal(err)
	}
	others := map[string]string{
		"coordinator of A":        mint(t, cfg, "-role", "coordinator", "-org", pp.org, "-municipalities", "0880", "-subject", "past-a"),
		"coordinator of A, 0180":  mint(t, cfg, "-role", "coordinator", "-org", pp.org, "-municipalities", "0180", "-subject", "past-a2"),
		"coordinator of B":        mint(t, cfg, "-role", "coordinator", "-org", orgB.GetOrganisation().GetId(), "-municipalities", "0880", "-subject", "past-b"),
		"operator":                mint(t, cfg, "-role", "operator", "-subject", "past-operator"),
		"the gateway's service":   gatewayServiceToken(t, cfg),
		"a token of another key":  refusedTokens(t, cfg)["retired key"],
		"notify's service as A's": refusedTokens(t, cfg)["notify's key as a coordinator"],
	}
	// The same as ids of nothing, nothing stored. "X" stands for the
	// planted ids in both answers.
	same := func(what string, m serviceMethod, tok string, planted, nothing proto.Message, plantedIDs, nothingIDs []string) answer {
		t.Helper()
		got, want := s.call(ctx, m, tok, planted), s.call(ctx, m, tok, nothing)
		g, w := got.norm("\x00", true), want.norm("\x00", true) // each id below, not one
		for k := range plantedIDs {
			g = strings.ReplaceAll(g, plantedIDs[k], "X")
			w = strings.ReplaceAll(w, nothingIDs[k], "X")
		}
		if g != w {
			t.Errorf("%s: the planted records answer %s, ids of nothing %s", what, g, w)
		}
		for _, v := range append(slices.Clone(mg.all), mh.all...) {
			if strings.Contains(got.msg+string(got.body)+fmt.Sprint(got.details), v) {
				t.Errorf("%s shows %s", what, v)
			}
		}
		if got.code == codes.OK || got.code == codes.Internal || got.code == codes.Unknown {
			t.Errorf("%s: %v", what, got)
		}
		return got
	}
	calls := 0
	nothingSU, nothingOffer := ids.UUIDv7{}.New(), ids.UUIDv7{}.New()
	for who, tok := range others {
		calls += 2
		same("RecordPastSeating as "+who, past, tok,
			&dinnersv1.RecordPastSeatingRequest{SignUpId: signUp, OfferId: offer, Date: yesterday, StartTime: "18:00"},
			&dinnersv1.RecordPastSeatingRequest{SignUpId: nothingSU, OfferId: nothingOffer, Date: yesterday, StartTime: "18:00"},
			[]string{signUp, offer}, []string{nothingSU, nothingOffer})
	}
	if res, err := dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{SignUpId: signUp}); err != nil || len(res.GetSeatings()) != 0 {
		t.Fatalf("after the refused records: %v, %v; want no seating", res, err)
	}
	if o, err := dc.GetOffer(ctx, &dinnersv1.GetOfferRequest{Id: offer}); err != nil || len(o.GetOffer().GetDinners()) != 1 {
		t.Fatalf("the offer after the refused records: %v, %v; want its one dinner", o, err)
	}

	// The admin's own request, refused for each documented bound.
	adminTok := mint(t, cfg)
	year := pp.today.AddDate(-1, 0, -1).Format(time.DateOnly)
	for _, tc := range []struct {
		name, field string
		req         *dinnersv1.RecordPastSeatingRequest
	}{
		{"today", "date", &dinnersv1.RecordPastSeatingRequest{Date: pp.today.Format(time.DateOnly)}},
		{"the dinner ahead", "date", &dinnersv1.RecordPastSeatingRequest{Date: pp.day}},
		{"a year and a day back", "date", &dinnersv1.RecordPastSeatingRequest{Date: year}},
		{"year 1", "date", &dinnersv1.RecordPastSeatingRequest{Date: "0001-01-01"}},
		{"year 9999", "date", &dinnersv1.RecordPastSeatingRequest{Date: "9999-12-31"}},
		{"30 February", "date", &dinnersv1.RecordPastSeatingRequest{Date: pp.today.Format("2006") + "-02-30"}},
		{"a time stamp", "date", &dinnersv1.RecordPastSeatingRequest{Date: yesterday + "T18:00:00Z"}},
		{"a space before", "date", &dinnersv1.RecordPastSeatingRequest{Date: " " + yesterday}},
		{"10,000 characters", "date", &dinnersv1.RecordPastSeatingRequest{Date: strings.Repeat("2", 10_000)}},
		{"24:00", "start_time", &dinnersv1.RecordPastSeatingRequest{StartTime: "24:00"}},
		{"18:60", "start_time", &dinnersv1.RecordPastSeatingRequest{StartTime: "18:60"}},
		{"seconds", "start_time", &dinnersv1.RecordPastSeatingRequest{StartTime: "18:00:00"}},
		{"Arabic digits", "start_time", &dinnersv1.RecordPastSeatingRequest{StartTime: "١٨:٠٠"}},
		{"no time", "start_time", &dinnersv1.RecordPastSeatingRequest{StartTime: "-"}},
		{"a sign-up id with a dot", "sign_up_id", &dinnersv1.RecordPastSeatingRequest{SignUpId: signUp + ".x"}},
		{"an offer id of 5,000 characters", "offer_id", &dinnersv1.RecordPastSeatingRequest{OfferId: strings.Repeat("a", 5000)}},
	} {
		calls++
		req := &dinnersv1.RecordPastSeatingRequest{SignUpId: signUp, OfferId: offer, Date: yesterday, StartTime: "18:00"}
		proto.Merge(req, tc.req)
		a := s.call(ctx, past, adminTok, req)
		if a.code != codes.InvalidArgument || !slices.Equal(a.violations, []string{tc.field}) {
			t.Errorf("RecordPastSeating, %s: %v, want InvalidArgument on %s alone", tc.name, a, tc.field)
		}
	}
	nothingAnswers := map[string]codes.Code{}
	for what, req := range map[string]*dinnersv1.RecordPastSeatingRequest{
		"a sign-up of nothing": {SignUpId: nothingSU, OfferId: offer, Date: yesterday, StartTime: "18:00"},
		"an offer of nothing":  {SignUpId: signUp, OfferId: nothingOffer, Date: yesterday, StartTime: "18:00"},
	} {
		calls++
		a := s.call(ctx, past, adminTok, req)
		nothingAnswers[what] = a.code
		if a.code != codes.NotFound {
			t.Errorf("RecordPastSeating with %s: %v, want NotFound", what, a)
		}
	}
	if res, err := dc.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{SignUpId: signUp}); err != nil || len(res.GetSeatings()) != 0 {
		t.Fatalf("after the refused admin's records: %v, %v; want no seating", res, err)
	}

	// The admin's record, then attendance and feedback with hostile values
	// first: each refused on its field, the seating unchanged.
	rec, err := dc.RecordPastSeating(ctx, &dinnersv1.RecordPastSeatingRequest{SignUpId: signUp, OfferId: offer, Date: yesterday, StartTime: "18:00"})
	if err != nil || rec.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		t.Fatalf("record past seating: %v, %v", rec, err)
	}
	seating := rec.GetSeating().GetId()
	came := func(m int32, a eventsv1.Attendance) *dinnersv1.GuestAttendance {
		return &dinnersv1.GuestAttendance{Member: m, Attendance: a}
	}
	thirteen := make([]*dinnersv1.GuestAttendance, 13)
	for k := range thirteen {
		thirteen[k] = came(int32(k), eventsv1.Attendance_ATTENDANCE_CAME)
	}
	for what, tc := range map[string]struct {
		att   []*dinnersv1.GuestAttendance
		field string
	}{
		"none":             {nil, "attendance"},
		"13 members":       {thirteen, "attendance attendance[12].member"},
		"one of two":       {[]*dinnersv1.GuestAttendance{came(0, eventsv1.Attendance_ATTENDANCE_CAME)}, "attendance"},
		"a third member":   {[]*dinnersv1.GuestAttendance{came(0, 1), came(2, 1)}, "attendance[1].member"},
		"member -1":        {[]*dinnersv1.GuestAttendance{came(0, 1), came(-1, 1)}, "attendance[1].member"},
		"member 12":        {[]*dinnersv1.GuestAttendance{came(0, 1), came(12, 1)}, "attendance[1].member"},
		"a member twice":   {[]*dinnersv1.GuestAttendance{came(0, 1), came(0, 2)}, "attendance[1].member"},
		"attendance 99":    {[]*dinnersv1.GuestAttendance{came(0, 1), came(1, 99)}, "attendance[1].attendance"},
		"attendance unset": {[]*dinnersv1.GuestAttendance{came(0, 1), came(1, 0)}, "attendance[1].attendance"},
	} {
		calls++
		a := s.call(ctx, attend, adminTok, &dinnersv1.RecordAttendanceRequest{Id: seating, Attendance: tc.att})
		if a.code != codes.InvalidArgument || strings.Join(a.violations, " ") != tc.field {
			t.Errorf("RecordAttendance, %s: %v, want InvalidArgument on %s", what, a, tc.field)
		}
	}
	guestFB := &dinnersv1.Feedback{WouldMeetAgain: true, LanguagePractised: true, FirstTimeInSwedishHome: true, Rating: 5}
	calls++
	if a := s.call(ctx, feedback, adminTok, &dinnersv1.RecordFeedbackRequest{Id: seating, Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST,
		Feedback: guestFB}); a.code != codes.FailedPrecondition {
		t.Errorf("feedback before attendance: %v, want FailedPrecondition", a)
	}
	if got, err := dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: seating}); err != nil || !proto.Equal(got.GetSeating(), rec.GetSeating()) {
		t.Fatalf("the seating after refused attendance and feedback: %v, %v; want as recorded %v", got, err, rec.GetSeating())
	}
	attendance := []*dinnersv1.GuestAttendance{came(0, eventsv1.Attendance_ATTENDANCE_CAME), came(1, eventsv1.Attendance_ATTENDANCE_NO_SHOW)}
	if _, err := dc.RecordAttendance(ctx, &dinnersv1.RecordAttendanceRequest{Id: seating, Attendance: attendance}); err != nil {
		t.Fatalf("attendance: %v", err)
	}
	for what, tc := range map[string]struct {
		req   *dinnersv1.RecordFeedbackRequest
		field string
	}{
		"no party":      {&dinnersv1.RecordFeedbackRequest{Feedback: guestFB}, "party"},
		"party 99":      {&dinnersv1.RecordFeedbackRequest{Party: 99, Feedback: guestFB}, "party"},
		"no feedback":   {&dinnersv1.RecordFeedbackRequest{Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST}, "feedback"},
		"rating 0":      {&dinnersv1.RecordFeedbackRequest{Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: &dinnersv1.Feedback{Rating: 0}}, "feedback.rating"},
		"rating 6":      {&dinnersv1.RecordFeedbackRequest{Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: &dinnersv1.Feedback{Rating: 6}}, "feedback.rating"},
		"rating -2^31":  {&dinnersv1.RecordFeedbackRequest{Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: &dinnersv1.Feedback{Rating: -1 << 31}}, "feedback.rating"},
		"host's 'first": {&dinnersv1.RecordFeedbackRequest{Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: guestFB}, "feedback.first_time_in_swedish_home"},
	} {
		calls++
		tc.req.Id = seating
		a := s.call(ctx, feedback, adminTok, tc.req)
		if a.code != codes.InvalidArgument || !slices.Equal(a.violations, []string{tc.field}) {
			t.Errorf("RecordFeedback, %s: %v, want InvalidArgument on %s alone", what, a, tc.field)
		}
	}
	hostFB := &dinnersv1.Feedback{WouldMeetAgain: true, LanguagePractised: true, Rating: 4}
	for party, fb := range map[eventsv1.DinnerParty]*dinnersv1.Feedback{eventsv1.DinnerParty_DINNER_PARTY_GUEST: guestFB,
		eventsv1.DinnerParty_DINNER_PARTY_HOST: hostFB} {
		if _, err := dc.RecordFeedback(ctx, &dinnersv1.RecordFeedbackRequest{Id: seating, Party: party, Feedback: fb}); err != nil {
			t.Fatalf("feedback %v: %v", party, err)
		}
	}
	held, err := dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: seating})
	if err != nil || held.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_HELD {
		t.Fatalf("held seating: %v, %v", held, err)
	}

	// The retries ADR 0272 answers OK, and the reads, from another scope:
	// as for a seating of nothing.
	nothingSeating := ids.UUIDv7{}.New()
	for who, tok := range others {
		if who == "coordinator of A" || who == "the gateway's service" {
			continue // A's own seating, and the gateway acting for A's: OK by design
		}
		for what, req := range map[string]func(id string) (serviceMethod, proto.Message){
			"the same attendance": func(id string) (serviceMethod, proto.Message) {
				return attend, &dinnersv1.RecordAttendanceRequest{Id: id, Attendance: attendance}
			},
			"another attendance": func(id string) (serviceMethod, proto.Message) {
				return attend, &dinnersv1.RecordAttendanceRequest{Id: id, Attendance: []*dinnersv1.GuestAttendance{came(0, 1), came(1, 1)}}
			},
			"the same feedback": func(id string) (serviceMethod, proto.Message) {
				return feedback, &dinnersv1.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: guestFB}
			},
			"another feedback": func(id string) (serviceMethod, proto.Message) {
				return feedback, &dinnersv1.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: &dinnersv1.Feedback{Rating: 1}}
			},
			"the record again": func(id string) (serviceMethod, proto.Message) {
				if id == seating {
					return past, &dinnersv1.RecordPastSeatingRequest{SignUpId: signUp, OfferId: offer, Date: yesterday, StartTime: "18:00"}
				}
				return past, &dinnersv1.RecordPastSeatingRequest{SignUpId: nothingSU, OfferId: nothingOffer, Date: yesterday, StartTime: "18:00"}
			},
		} {
			calls += 2
			m, planted := req(seating)
			_, nothing := req(nothingSeating)
			same(what+" as "+who, m, tok, planted, nothing, []string{seating, signUp, offer}, []string{nothingSeating, nothingSU, nothingOffer})
		}
	}
	if got, err := dc.GetSeating(ctx, &dinnersv1.GetSeatingRequest{Id: seating}); err != nil || !proto.Equal(got, held) {
		t.Errorf("the held seating after other scopes' calls: %v, %v; want %v", got, err, held)
	}

	// The values are there before the erasure: the admin reads them, Redis
	// holds the guest (a read is cached), so the searches below can fail.
	o, err := dc.GetOffer(ctx, &dinnersv1.GetOfferRequest{Id: offer})
	if err != nil || o.GetOffer().GetAddress() != address || !slices.ContainsFunc(o.GetOffer().GetDinners(),
		func(d *dinnersv1.Dinner) bool { return d.GetDate() == yesterday }) {
		t.Fatalf("the offer before erasure: %v, %v; want the address and yesterday's dinner", o, err)
	}
	if su, err := dc.GetSignUp(ctx, &dinnersv1.GetSignUpRequest{Id: signUp}); err != nil || su.GetSignUp().GetSfiClass() != class {
		t.Fatalf("the sign-up before erasure: %v, %v", su, err)
	}
	planted := append(slices.Clone(mg.all), mh.all...)
	if !eraseHeldPeople(t, ctx, l, c, pp, dc, seating, planted, plantedRun{dir, redisURL, logs, spans, stop, unsealed}) {
		return
	}
	// The erased guest's sign-up and the erased host's offer, as the admin
	// brings in history again: answered as ids of nothing.
	for what, req := range map[string][2]*dinnersv1.RecordPastSeatingRequest{
		"the erased guest's sign-up": {{SignUpId: signUp, OfferId: nothingOffer, Date: yesterday, StartTime: "18:00"},
			{SignUpId: nothingSU, OfferId: nothingOffer, Date: yesterday, StartTime: "18:00"}},
		"the erased people's seating": {{SignUpId: signUp, OfferId: offer, Date: yesterday, StartTime: "18:00"},
			{SignUpId: nothingSU, OfferId: nothingOffer, Date: yesterday, StartTime: "18:00"}},
	} {
		calls += 2
		same("RecordPastSeating of "+what, past, adminTok, req[0], req[1], []string{signUp, offer}, []string{nothingSU, nothingOffer})
	}
	for what, req := range map[string][2]proto.Message{
		"the erased seating's attendance": {&dinnersv1.RecordAttendanceRequest{Id: seating, Attendance: attendance},
			&dinnersv1.RecordAttendanceRequest{Id: nothingSeating, Attendance: attendance}},
	} {
		calls += 2
		same(what, attend, adminTok, req[0], req[1], []string{seating}, []string{nothingSeating})
	}
	stop()
	searchPlanted(t, ctx, "past dinner's guest and host", planted, dir, redisURL, logs, spans)
	if !strings.Contains(logs.String(), `"serving"`) || len(spans.GetSpans()) == 0 {
		t.Error("the stack's logs or spans were not captured: the search saw nothing")
	}
	t.Logf("%d calls from outside; %d planted values searched for; nothing answers %v", calls, len(planted), nothingAnswers)
}
