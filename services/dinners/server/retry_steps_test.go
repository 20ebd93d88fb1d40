package server_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestLateFeedbackRetryIsNotANewOpinion (ADR 0273): the guest's feedback
// A, then B, then A's retry arriving late (its first answer was lost):
// with request ids the late A is recognised, answered OK with B still
// stored, and publishes nothing; so is B's retry. Feedback events: A, B
// and the host's, three. A bad request id is InvalidArgument on the field.
func TestLateFeedbackRetryIsNotANewOpinion(t *testing.T) {
	ctx := context.Background()
	e, c, id := pastConfirmed(ctx, t)
	att := []*pb.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: id, Attendance: att}); err != nil {
		t.Fatal(err)
	}
	guest := func(fb *pb.Feedback) (*pb.Seating, error) {
		res, err := c.RecordFeedback(ctx, &pb.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: fb})
		return res.GetSeating(), err
	}
	a := &pb.Feedback{WouldMeetAgain: true, Rating: 5, RequestId: "fb-a"}
	b := &pb.Feedback{WouldMeetAgain: false, Rating: 2, RequestId: "fb-b"}
	if _, err := guest(a); err != nil {
		t.Fatal(err)
	}
	stored, err := guest(b)
	if err != nil || !proto.Equal(stored.GetGuestFeedback(), b) {
		t.Fatalf("feedback B: %v, %v", stored.GetGuestFeedback(), err)
	}
	for name, fb := range map[string]*pb.Feedback{"A's late retry": a, "B's retry": b} {
		got, err := guest(fb)
		if err != nil || !proto.Equal(got, stored) {
			t.Errorf("%s: %v, %v; want OK with B stored as it was: %v", name, got.GetGuestFeedback(), err, stored.GetGuestFeedback())
		}
	}
	if _, err := guest(&pb.Feedback{Rating: 3, RequestId: "no/id"}); code(err) != codes.InvalidArgument ||
		!slices.Equal(servicetest.ViolatedFields(err), []string{"feedback.request_id"}) {
		t.Errorf("a bad request id: %v, want InvalidArgument on feedback.request_id", err)
	}
	// The host's feedback is a later write: once its event is out, every
	// earlier one is.
	if _, err := c.RecordFeedback(ctx, &pb.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: &pb.Feedback{Rating: 4}}); err != nil {
		t.Fatal(err)
	}
	lastFeedbackIs(ctx, t, e, id, eventsv1.DinnerParty_DINNER_PARTY_HOST)
	if got := seatingEvents(ctx, t, e, id); got[events.SeatingFeedback+"."+id] != 3 {
		t.Errorf("seating events %v, want three feedback (the guest's A and B, the host's)", got)
	}
}

// TestRetriedRsvpAndApproveStand (ADR 0273): the approval and both
// sides' yes sent twice stand: OK with the seating as the first left
// it, its seats taken once, and as many events as walked once
// (proposed, invited, accepted, confirmed). On another seating the
// guest's no sent twice stands; the host's no after it, and a yes, are
// refused.
func TestRetriedRsvpAndApproveStand(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2"}, []string{"h-1"})
	c := e.as(coordA)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10), date(17)))
	e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 3, date(10)))
	e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 1, date(17)))
	ss := seatingsOf(ctx, t, c, e.runJob(ctx, c, "retry", "0180").GetId())
	if len(ss) != 2 {
		t.Fatalf("seatings: %v", ss)
	}
	walked, declined := ss[0].GetId(), ss[1].GetId()
	if ss[0].GetDate() != date(10) {
		walked, declined = declined, walked
	}
	rsvp := func(id string, party eventsv1.DinnerParty, yes bool) func() (*pb.Seating, error) {
		return func() (*pb.Seating, error) {
			req := &pb.RecordRsvpRequest{Id: id, Party: party, Accept: yes}
			if !yes {
				req.DeclineReason = eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_DATE
			}
			res, err := c.RecordRsvp(ctx, req)
			return res.GetSeating(), err
		}
	}
	approve := func(id string) func() (*pb.Seating, error) {
		return func() (*pb.Seating, error) {
			res, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: id})
			return res.GetSeating(), err
		}
	}
	twice := func(name string, do func() (*pb.Seating, error)) {
		t.Helper()
		first, err := do()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if again, err := do(); err != nil || !proto.Equal(again, first) {
			t.Fatalf("%s again: %v, %v; want OK with %v", name, again, err, first)
		}
	}
	twice("approve", approve(walked))
	twice("the guest's yes", rsvp(walked, eventsv1.DinnerParty_DINNER_PARTY_GUEST, true))
	twice("the host's yes", rsvp(walked, eventsv1.DinnerParty_DINNER_PARTY_HOST, true))
	got, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o.GetId()})
	if err != nil || got.GetOffer().GetDinners()[0].GetSeatsTaken() != 3 {
		t.Errorf("seats taken after the yes twice: %v, %v; want 3", got.GetOffer().GetDinners(), err)
	}
	if _, err := approve(declined)(); err != nil {
		t.Fatal(err)
	}
	twice("the guest's no", rsvp(declined, eventsv1.DinnerParty_DINNER_PARTY_GUEST, false))
	for name, do := range map[string]func() (*pb.Seating, error){
		"the host's no":  rsvp(declined, eventsv1.DinnerParty_DINNER_PARTY_HOST, false),
		"the host's yes": rsvp(declined, eventsv1.DinnerParty_DINNER_PARTY_HOST, true),
	} {
		if _, err := do(); code(err) != codes.FailedPrecondition {
			t.Errorf("%s after the guest's no: %v, want FailedPrecondition", name, err)
		}
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		want := map[string]map[string]uint64{
			walked:   {events.SeatingProposed: 1, events.SeatingInvited: 1, events.SeatingAccepted: 1, events.SeatingConfirmed: 1},
			declined: {events.SeatingProposed: 1, events.SeatingInvited: 1, events.SeatingDeclined: 1},
		}
		for id, w := range want {
			got := seatingEvents(ctx, t, e, id)
			if len(got) != len(w) {
				return fmt.Errorf("%s: events %v, want %v", id, got, w)
			}
			for subject, n := range w {
				if got[subject+"."+id] != n {
					return fmt.Errorf("%s: events %v, want %v", id, got, w)
				}
			}
		}
		return nil
	})
}
