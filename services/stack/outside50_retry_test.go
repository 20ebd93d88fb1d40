package main

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
	dinnersserver "github.com/motesplats/motesplats/services/dinners/server"
)

// outside50Dinners is a dinners replica (the real server.Run) on its own
// embedded NATS, on pastKillDay, with pastKillPeople in its pool.
type outside50Dinners struct {
	// as dials the replica with a token of c.
	as func(c auth.Claims) dinnersv1.DinnerServiceClient
}

func startOutside50Dinners(t *testing.T) outside50Dinners {
	t.Helper()
	n := testutil.MustNATS(t)
	key := servicetest.NewKey(t)
	signer := servicetest.NewSigner(key)
	var pools *servicetest.Pools
	addr := servicetest.Replica{NATS: n, Key: key, Now: testutil.NewClock(pastKillDay).Now, Pools: &pools}.Start(t, dinnersserver.Run, dinnersserver.Options{})
	pastKillPeople(testutil.Context(t), t, n.JS, pools)
	return outside50Dinners{as: func(c auth.Claims) dinnersv1.DinnerServiceClient {
		return dinnersv1.NewDinnerServiceClient(servicetest.Dial(t, addr, signer, c))
	}}
}

var (
	outside50Coord  = auth.Claims{Subject: "u-coord", Role: auth.RoleCoordinator, Organisation: pastKillOrg, Municipalities: []string{pastKillMuni}}
	outside50CoordB = auth.Claims{Subject: "u-coord-b", Role: auth.RoleCoordinator, Organisation: "org-outside50-b", Municipalities: []string{pastKillMuni}}
	outside50Admin  = auth.Claims{Subject: "u-admin", Role: auth.RoleAdmin}
)

// TestOutside50_RetriesFromOutside sends session 49's retried steps twice
// from a client (ADR 0273): a job's seating approved twice, both sides'
// acceptances twice, cancelled twice; a held seating's feedback with a
// request id twice, and the same request id again with another body.
// What the second of each answers is asserted as ADR 0273 says; the
// request id reused for another opinion must not be taken as the same
// request (a retry sends the same feedback): the stored feedback is
// either the new one or the call is refused on feedback.request_id.
func TestOutside50_RetriesFromOutside(t *testing.T) {
	d := startOutside50Dinners(t)
	ctx := testutil.Context(t)
	c, admin := d.as(outside50Coord), d.as(outside50Admin)
	ahead := pastKillDay.AddDate(0, 0, 10).Format(time.DateOnly)
	offer := func(host, date string) string {
		res, err := c.CreateOffer(ctx, &dinnersv1.CreateOfferRequest{RequestId: "o-" + host, Offer: &dinnersv1.Offer{
			OrganisationId: pastKillOrg, MunicipalityCode: pastKillMuni, VolunteerId: host, Seats: 4,
			Kitchen:     &dinnersv1.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_HALAL}},
			Composition: dinnersv1.Composition_COMPOSITION_COUPLE, Languages: []string{"ar"},
			Dinners: []*dinnersv1.Dinner{{Date: date, StartTime: "18:00"}}}})
		if err != nil {
			t.Fatalf("offer of %s: %v", host, err)
		}
		return res.GetOffer().GetId()
	}
	o1, o2 := offer("h-1", ahead), offer("h-2", pastKillDay.AddDate(0, 0, 20).Format(time.DateOnly))
	su, err := c.CreateSignUp(ctx, &dinnersv1.CreateSignUpRequest{RequestId: "s-g-1", SignUp: &dinnersv1.SignUp{
		OrganisationId: pastKillOrg, MunicipalityCode: pastKillMuni, ParticipantId: "g-1", Dates: []string{ahead},
		Party:        []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}},
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Composition: dinnersv1.Composition_COMPOSITION_FAMILY}})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	twice := func(what string, call func() (*dinnersv1.Seating, error)) *dinnersv1.Seating {
		t.Helper()
		first, err := call()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		second, err := call()
		calls += 2
		if err != nil {
			t.Errorf("%s sent again: %v, want it to stand (ADR 0273)", what, err)
		} else if !proto.Equal(second, first) {
			t.Errorf("%s sent again answered %v, want the first answer %v", what, second, first)
		}
		return first
	}

	job, err := c.StartMatchingJob(ctx, &dinnersv1.StartMatchingJobRequest{RequestId: "job-1", OrganisationId: pastKillOrg, MunicipalityCodes: []string{pastKillMuni}})
	if err != nil {
		t.Fatal(err)
	}
	servicetest.WaitJob(t, 5*time.Minute, func() (*dinnersv1.Job, error) {
		res, err := c.GetJob(ctx, &dinnersv1.GetJobRequest{Id: job.GetJob().GetId()})
		return res.GetJob(), err
	}, dinnersv1.JobState_JOB_STATE_SUCCEEDED, dinnersv1.JobState_JOB_STATE_FAILED)
	list, err := c.ListSeatings(ctx, &dinnersv1.ListSeatingsRequest{JobId: job.GetJob().GetId(), PageSize: 10})
	if err != nil || len(list.GetSeatings()) != 1 || list.GetSeatings()[0].GetOfferId() != o1 {
		t.Fatalf("the job's seatings: %v %v, want g-1 at h-1's table", list.GetSeatings(), err)
	}
	id := list.GetSeatings()[0].GetId()
	twice("approve", func() (*dinnersv1.Seating, error) {
		res, err := c.ApproveSeating(ctx, &dinnersv1.ApproveSeatingRequest{Id: id})
		return res.GetSeating(), err
	})
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		twice("accept "+party.String(), func() (*dinnersv1.Seating, error) {
			res, err := c.RecordRsvp(ctx, &dinnersv1.RecordRsvpRequest{Id: id, Party: party, Accept: true})
			return res.GetSeating(), err
		})
	}
	// ADR 0280: the seating keeps its cancel reason, so a cancel sent
	// again stands with the first answer.
	twice("cancel", func() (*dinnersv1.Seating, error) {
		res, err := c.CancelSeating(ctx, &dinnersv1.CancelSeatingRequest{Id: id})
		return res.GetSeating(), err
	})

	// A held seating of yesterday at h-2's table, its guest's feedback.
	yesterday := pastKillDay.AddDate(0, 0, -1).Format(time.DateOnly)
	rec, err := admin.RecordPastSeating(ctx, &dinnersv1.RecordPastSeatingRequest{SignUpId: su.GetSignUp().GetId(), OfferId: o2, Date: yesterday, StartTime: "18:00"})
	if err != nil {
		t.Fatal(err)
	}
	held := rec.GetSeating().GetId()
	twice("attendance", func() (*dinnersv1.Seating, error) {
		res, err := c.RecordAttendance(ctx, &dinnersv1.RecordAttendanceRequest{Id: held,
			Attendance: []*dinnersv1.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}})
		return res.GetSeating(), err
	})
	feedback := func(rid string, rating int32) (*dinnersv1.Seating, error) {
		res, err := c.RecordFeedback(ctx, &dinnersv1.RecordFeedbackRequest{Id: held, Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST,
			Feedback: &dinnersv1.Feedback{Rating: rating, WouldMeetAgain: true, RequestId: rid}})
		return res.GetSeating(), err
	}
	twice("feedback fb-1", func() (*dinnersv1.Seating, error) { return feedback("fb-1", 5) })
	got, err := feedback("fb-1", 2)
	calls++
	t.Logf("request id fb-1 again with rating 2: %v (stored rating %d)", err, got.GetGuestFeedback().GetRating())
	switch {
	case err == nil && got.GetGuestFeedback().GetRating() == 2:
	case err != nil && strings.Contains(err.Error(), "request_id"):
	default:
		t.Errorf("request id fb-1 again with rating 2: %v, stored rating %d; want rating 2 stored or a refusal on feedback.request_id", err, got.GetGuestFeedback().GetRating())
	}
}

// TestOutside50_ListSignUpsOfAnotherOrgsNewcomer asks ListSignUps for a
// participant_id (ADR 0275's filter) as what may not see it: another
// organisation's coordinator gets what an unknown participant id gets (an
// empty page), and malformed or huge ids are refused on the field.
func TestOutside50_ListSignUpsOfAnotherOrgsNewcomer(t *testing.T) {
	d := startOutside50Dinners(t)
	ctx := testutil.Context(t)
	c := d.as(outside50Coord)
	if _, err := c.CreateSignUp(ctx, &dinnersv1.CreateSignUpRequest{RequestId: "s-g-1", SignUp: &dinnersv1.SignUp{
		OrganisationId: pastKillOrg, MunicipalityCode: pastKillMuni, ParticipantId: "g-1",
		Dates: []string{pastKillDay.AddDate(0, 0, 10).Format(time.DateOnly)},
		Party: []*dinnersv1.PartyMember{{Age: 30, Relation: dinnersv1.Relation_RELATION_SELF}}, FirstTime: true,
		SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_C, Composition: dinnersv1.Composition_COMPOSITION_FAMILY}}); err != nil {
		t.Fatal(err)
	}
	list := func(who dinnersv1.DinnerServiceClient, pid, muni string) (*dinnersv1.ListSignUpsResponse, error) {
		return who.ListSignUps(ctx, &dinnersv1.ListSignUpsRequest{ParticipantId: pid, MunicipalityCode: muni, PageSize: 50})
	}
	if res, err := list(c, "g-1", ""); err != nil || len(res.GetSignUps()) != 1 {
		t.Fatalf("the organisation's own coordinator: %v %v, want the sign-up", res.GetSignUps(), err)
	}
	calls := 1
	for name, who := range map[string]dinnersv1.DinnerServiceClient{
		"coordinator of B":       d.as(outside50CoordB),
		"coordinator of A, 1480": d.as(auth.Claims{Subject: "u-a2", Role: auth.RoleCoordinator, Organisation: pastKillOrg, Municipalities: []string{"1480"}}),
		"operator":               d.as(auth.Claims{Subject: "u-op", Role: auth.RoleOperator}),
	} {
		for _, muni := range []string{"", pastKillMuni} {
			got, err := list(who, "g-1", muni)
			want, werr := list(who, "g-nobody", muni)
			calls += 2
			if status.Code(err) != status.Code(werr) || len(got.GetSignUps()) != len(want.GetSignUps()) || got.GetNextPageToken() != want.GetNextPageToken() {
				t.Errorf("%s, municipality %q: another's newcomer answers %d sign-ups %v, an unknown id %d %v", name, muni, len(got.GetSignUps()), err, len(want.GetSignUps()), werr)
			}
			if strings.Contains(got.String(), "g-1") {
				t.Errorf("%s sees the newcomer's id in %s", name, got)
			}
		}
	}
	for _, bad := range []string{" g-1", "g-1/x", "g-1%00", "../g-1", strings.Repeat("x", 65), strings.Repeat("g", 100_000), "g\u200b1"} {
		_, err := list(c, bad, "")
		calls++
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(servicetestFields(err), "participant_id") {
			t.Errorf("participant_id %.20q (%d bytes): %v, want InvalidArgument on participant_id", bad, len(bad), err)
		}
	}
	t.Logf("%d ListSignUps calls", calls)
}

// servicetestFields is the field violations of err, joined.
func servicetestFields(err error) string { return strings.Join(servicetest.ViolatedFields(err), ",") }
