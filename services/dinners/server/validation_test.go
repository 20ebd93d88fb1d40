package server_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestFieldViolations: every RPC answers bad input with InvalidArgument
// naming the field, and stores nothing.
func TestFieldViolations(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1"})
	c := e.as(coordA)
	good := offer("h-1", orgA, "0180", 4, date(5))
	zero := offer("h-1", orgA, "0180", 0, date(5))
	past := offer("h-1", orgA, "0180", 4, date(-1))
	badDiet := offer("h-1", orgA, "0180", 4, date(5))
	badDiet.Kitchen.Diets = []typev1.Diet{99}
	twoLines := offer("h-1", orgA, "0180", 4, date(5))
	twoLines.Address = "Storgatan 1\nBcc: x"
	big := signUp("g-1", orgA, "0180", 13, date(5))
	unknownDiet := signUp("g-1", orgA, "0180", 1, date(5))
	unknownDiet.Diets = []typev1.Diet{42}
	pastSignUp := signUp("g-1", orgA, "0180", 1, "2020-01-01")
	farOffer := offer("h-1", orgA, "0180", 4, date(5), "9999-12-31")
	farSignUp := signUp("g-1", orgA, "0180", 1, date(5), date(400))
	noSelf := signUp("g-1", orgA, "0180", 2, date(5))
	noSelf.Party[0].Relation = pb.Relation_RELATION_FRIEND

	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"offer with 0 seats", func() error {
			_, err := c.CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "r1", Offer: zero})
			return err
		}, "offer.seats"},
		{"offer and its request id both wrong", func() error {
			_, err := c.CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "a b", Offer: zero})
			return err
		}, "request_id"},
		{"list unseated bad job id", func() error {
			_, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: strings.Repeat("j", 65)})
			return err
		}, "job_id"},
		{"offer date in the past", func() error {
			_, err := c.CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "r2", Offer: past})
			return err
		}, "offer.dinners[0].date"},
		{"unknown diet code", func() error {
			_, err := c.CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "r3", Offer: badDiet})
			return err
		}, "offer.kitchen.diets[0]"},
		{"address on two lines", func() error {
			_, err := c.CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "r4", Offer: twoLines})
			return err
		}, "offer.address"},
		{"offer without request id", func() error {
			_, err := c.CreateOffer(ctx, &pb.CreateOfferRequest{Offer: good})
			return err
		}, "request_id"},
		{"party larger than any table", func() error {
			_, err := c.CreateSignUp(ctx, &pb.CreateSignUpRequest{RequestId: "s1", SignUp: big})
			return err
		}, "sign_up.party"},
		{"sign-up diet code", func() error {
			_, err := c.CreateSignUp(ctx, &pb.CreateSignUpRequest{RequestId: "s2", SignUp: unknownDiet})
			return err
		}, "sign_up.diets[0]"},
		{"sign-up date in the past", func() error {
			_, err := c.CreateSignUp(ctx, &pb.CreateSignUpRequest{RequestId: "s3", SignUp: pastSignUp})
			return err
		}, "sign_up.dates[0]"},
		// A typo's year: the offer would hold its host and the sign-up
		// wait for a seat until then (ADR 0195).
		{"offer date in year 9999", func() error {
			_, err := c.CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "r5", Offer: farOffer})
			return err
		}, "offer.dinners[1].date"},
		{"sign-up date over a year ahead", func() error {
			_, err := c.CreateSignUp(ctx, &pb.CreateSignUpRequest{RequestId: "s6", SignUp: farSignUp})
			return err
		}, "sign_up.dates[1]"},
		{"party without the newcomer", func() error {
			_, err := c.CreateSignUp(ctx, &pb.CreateSignUpRequest{RequestId: "s4", SignUp: noSelf})
			return err
		}, "sign_up.party"},
		{"sign-up missing", func() error {
			_, err := c.CreateSignUp(ctx, &pb.CreateSignUpRequest{RequestId: "s5"})
			return err
		}, "sign_up"},
		{"get offer bad id", func() error { _, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: "a b"}); return err }, "id"},
		{"list offers page size", func() error {
			_, err := c.ListOffers(ctx, &pb.ListOffersRequest{PageSize: -1})
			return err
		}, "page_size"},
		{"list offers municipality", func() error {
			_, err := c.ListOffers(ctx, &pb.ListOffersRequest{MunicipalityCode: "9999"})
			return err
		}, "municipality_code"},
		{"delete offer bad id", func() error { _, err := c.DeleteOffer(ctx, &pb.DeleteOfferRequest{Id: ""}); return err }, "id"},
		{"cancel dinner date", func() error {
			_, err := c.CancelDinner(ctx, &pb.CancelDinnerRequest{OfferId: "o1", Date: "tomorrow"})
			return err
		}, "date"},
		{"get sign-up bad id", func() error { _, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: "/"}); return err }, "id"},
		{"list sign-ups token", func() error {
			_, err := c.ListSignUps(ctx, &pb.ListSignUpsRequest{PageToken: "%%"})
			return err
		}, "page_token"},
		{"update sign-up mask", func() error {
			_, err := c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: "x"}, UpdateMask: mask("participant_id")})
			return err
		}, "update_mask.paths[0]"},
		{"delete sign-up bad id", func() error { _, err := c.DeleteSignUp(ctx, &pb.DeleteSignUpRequest{Id: "a b"}); return err }, "id"},
		{"start job request id", func() error {
			_, err := c.StartMatchingJob(ctx, &pb.StartMatchingJobRequest{RequestId: "a b"})
			return err
		}, "request_id"},
		{"get job bad id", func() error { _, err := c.GetJob(ctx, &pb.GetJobRequest{Id: "a b"}); return err }, "id"},
		{"list jobs page size", func() error { _, err := c.ListJobs(ctx, &pb.ListJobsRequest{PageSize: 10000}); return err }, "page_size"},
		{"list unseated page size", func() error {
			_, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: "j", PageSize: -4})
			return err
		}, "page_size"},
		{"get seating bad id", func() error { _, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: "a b"}); return err }, "id"},
		{"list seatings status", func() error {
			_, err := c.ListSeatings(ctx, &pb.ListSeatingsRequest{Statuses: []eventsv1.SeatingStatus{77}})
			return err
		}, "statuses[0]"},
		{"approve bad id", func() error { _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: ""}); return err }, "id"},
		{"reject bad id", func() error { _, err := c.RejectSeating(ctx, &pb.RejectSeatingRequest{Id: ""}); return err }, "id"},
		{"rsvp decline without reason", func() error {
			_, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: "x", Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST})
			return err
		}, "decline_reason"},
		{"rsvp party", func() error { _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: "x", Accept: true}); return err }, "party"},
		{"cancel seating bad id", func() error { _, err := c.CancelSeating(ctx, &pb.CancelSeatingRequest{Id: ""}); return err }, "id"},
		{"attendance twice", func() error {
			_, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: "x", Attendance: []*pb.GuestAttendance{
				{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}})
			return err
		}, "attendance[1].member"},
		{"feedback rating", func() error {
			_, err := c.RecordFeedback(ctx, &pb.RecordFeedbackRequest{Id: "x", Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: &pb.Feedback{Rating: 9}})
			return err
		}, "feedback.rating"},
		{"waitlist municipality", func() error {
			_, err := c.GetWaitlist(ctx, &pb.GetWaitlistRequest{MunicipalityCodes: []string{"x"}})
			return err
		}, "municipality_codes[0]"},
		{"report month", func() error { _, err := c.GetReport(ctx, &pb.GetReportRequest{FromMonth: "May"}); return err }, "from_month"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if code(err) != codes.InvalidArgument {
				t.Fatalf("got %v, want InvalidArgument", err)
			}
			got := servicetest.ViolatedFields(err)
			found := false
			for _, f := range got {
				found = found || f == tt.field
			}
			if !found {
				t.Errorf("violations %v do not name %q", got, tt.field)
			}
			if msg := status.Convert(err).Message(); strings.Contains(msg, ".go:") {
				t.Errorf("message leaks internals: %q", msg)
			}
		})
	}
	res, err := c.ListOffers(ctx, &pb.ListOffersRequest{})
	if err != nil || len(res.GetOffers()) != 0 {
		t.Errorf("bad input stored offers: %v %v", res.GetOffers(), err)
	}
}

// TestScope: coordinators of another organisation or municipality get
// NotFound for every record (never the data), operators are refused, and
// a coordinator cannot create records outside their scope.
func TestScope(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1"})
	a := e.as(coordA)
	o := e.mustOffer(ctx, a, offer("h-1", orgA, "0180", 4, date(5)))
	s := e.mustSignUp(ctx, a, signUp("g-1", orgA, "0180", 2, date(5)))
	job := e.runJob(ctx, a, "scope", "0180")
	ss := seatingsOf(ctx, t, a, job.GetId())
	if len(ss) != 1 {
		t.Fatalf("got %d seatings, want 1", len(ss))
	}
	id := ss[0].GetId()
	calls := map[string]func(c pb.DinnerServiceClient) error{
		"GetOffer": func(c pb.DinnerServiceClient) error {
			_, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o.GetId()})
			return err
		},
		"DeleteOffer": func(c pb.DinnerServiceClient) error {
			_, err := c.DeleteOffer(ctx, &pb.DeleteOfferRequest{Id: o.GetId()})
			return err
		},
		"CancelDinner": func(c pb.DinnerServiceClient) error {
			_, err := c.CancelDinner(ctx, &pb.CancelDinnerRequest{OfferId: o.GetId(), Date: date(5)})
			return err
		},
		"GetSignUp": func(c pb.DinnerServiceClient) error {
			_, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: s.GetId()})
			return err
		},
		"UpdateSignUp": func(c pb.DinnerServiceClient) error {
			_, err := c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: s.GetId(), FirstTime: true}, UpdateMask: mask("first_time")})
			return err
		},
		"DeleteSignUp": func(c pb.DinnerServiceClient) error {
			_, err := c.DeleteSignUp(ctx, &pb.DeleteSignUpRequest{Id: s.GetId()})
			return err
		},
		"GetJob": func(c pb.DinnerServiceClient) error {
			_, err := c.GetJob(ctx, &pb.GetJobRequest{Id: job.GetId()})
			return err
		},
		"ListUnseated": func(c pb.DinnerServiceClient) error {
			_, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: job.GetId()})
			return err
		},
		"GetSeating": func(c pb.DinnerServiceClient) error {
			_, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: id})
			return err
		},
		"Approve": func(c pb.DinnerServiceClient) error {
			_, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: id})
			return err
		},
		"Reject": func(c pb.DinnerServiceClient) error {
			_, err := c.RejectSeating(ctx, &pb.RejectSeatingRequest{Id: id})
			return err
		},
		"RecordRsvp": func(c pb.DinnerServiceClient) error {
			_, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Accept: true})
			return err
		},
		"CancelSeating": func(c pb.DinnerServiceClient) error {
			_, err := c.CancelSeating(ctx, &pb.CancelSeatingRequest{Id: id})
			return err
		},
		"RecordAttendance": func(c pb.DinnerServiceClient) error {
			_, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: id, Attendance: []*pb.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}})
			return err
		},
		"RecordFeedback": func(c pb.DinnerServiceClient) error {
			_, err := c.RecordFeedback(ctx, &pb.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: &pb.Feedback{Rating: 3}})
			return err
		},
	}
	for name, call := range calls {
		for who, c := range map[string]pb.DinnerServiceClient{"other org": e.as(coordB), "other municipality": e.as(coordA2)} {
			if err := call(c); code(err) != codes.NotFound {
				t.Errorf("%s as %s: got %v, want NotFound", name, who, err)
			}
		}
		if err := call(e.as(operator)); code(err) != codes.PermissionDenied && code(err) != codes.NotFound {
			t.Errorf("%s as operator: got %v, want PermissionDenied", name, err)
		}
	}
	for who, c := range map[string]pb.DinnerServiceClient{"other org": e.as(coordB), "other municipality": e.as(coordA2)} {
		for name, n := range map[string]func() (int, error){
			"ListOffers": func() (int, error) {
				r, err := c.ListOffers(ctx, &pb.ListOffersRequest{})
				return len(r.GetOffers()), err
			},
			"ListSignUps": func() (int, error) {
				r, err := c.ListSignUps(ctx, &pb.ListSignUpsRequest{})
				return len(r.GetSignUps()), err
			},
			"ListSeatings": func() (int, error) {
				r, err := c.ListSeatings(ctx, &pb.ListSeatingsRequest{})
				return len(r.GetSeatings()), err
			},
		} {
			if got, err := n(); err != nil || got != 0 {
				t.Errorf("%s as %s: %d records, %v", name, who, got, err)
			}
		}
		w, err := c.GetWaitlist(ctx, &pb.GetWaitlistRequest{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range w.GetRows() {
			if r.GetParties() != 0 || r.GetFreeSeats() != 0 {
				t.Errorf("waitlist as %s shows another scope: %v", who, r)
			}
		}
	}
	// Naming a municipality outside one's own is refused by the reports,
	// as guides and mentoring refuse it, not answered with a row of zeros.
	out := []string{"1480"}
	for name, call := range map[string]func(c pb.DinnerServiceClient) error{
		"GetWaitlist": func(c pb.DinnerServiceClient) error {
			_, err := c.GetWaitlist(ctx, &pb.GetWaitlistRequest{MunicipalityCodes: out})
			return err
		},
		"GetReport": func(c pb.DinnerServiceClient) error {
			_, err := c.GetReport(ctx, &pb.GetReportRequest{MunicipalityCodes: out})
			return err
		},
	} {
		if err := call(a); code(err) != codes.PermissionDenied {
			t.Errorf("%s of another municipality: got %v, want PermissionDenied", name, err)
		}
		if err := call(e.as(coordA2)); err != nil {
			t.Errorf("%s of one's own municipality: %v", name, err)
		}
	}
	if _, err := e.as(coordB).CreateOffer(ctx, &pb.CreateOfferRequest{RequestId: "x", Offer: offer("h-1", orgA, "0180", 4, date(5))}); code(err) != codes.PermissionDenied {
		t.Errorf("create outside scope: got %v", err)
	}
	// The owner still sees everything, unchanged by the refused calls.
	got, err := a.GetSeating(ctx, &pb.GetSeatingRequest{Id: id})
	if err != nil || got.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_PROPOSED {
		t.Errorf("owner's seating after refused calls: %v %v", got.GetSeating(), err)
	}
}
