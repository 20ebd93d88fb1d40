package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// pastConfirmed is a confirmed seating of a party of two at a dinner
// five days ago (RecordPastSeating), with a coordinator's client.
func pastConfirmed(ctx context.Context, t *testing.T) (*env, pb.DinnerServiceClient, string) {
	t.Helper()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1"})
	c, a := e.as(coordA), e.as(admin)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10)))
	su := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10)))
	e.clock.Add(20 * 24 * time.Hour)
	res, err := a.RecordPastSeating(ctx, &pb.RecordPastSeatingRequest{SignUpId: su.GetId(), OfferId: o.GetId(), Date: date(5), StartTime: "18:00"})
	if err != nil {
		t.Fatal(err)
	}
	return e, c, res.GetSeating().GetId()
}

// TestRetriedAttendanceIsToldItStands (ADR 0272): a client whose answer
// was lost (its replica killed just after the write, ADR 0270) sends the
// same attendance again: it is answered OK with the held seating, and
// the seating has one held event; another attendance is still refused,
// saying so.
func TestRetriedAttendanceIsToldItStands(t *testing.T) {
	ctx := context.Background()
	e, c, id := pastConfirmed(ctx, t)
	att := []*pb.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_NO_SHOW}}
	first, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: id, Attendance: att})
	if err != nil {
		t.Fatal(err)
	}
	// The same attendance, its members in another order.
	again, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: id, Attendance: []*pb.GuestAttendance{att[1], att[0]}})
	if err != nil {
		t.Fatalf("the same attendance again: %v, want OK", err)
	}
	if !proto.Equal(again.GetSeating(), first.GetSeating()) || again.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_HELD {
		t.Errorf("the same attendance again: got %v, want %v", again.GetSeating(), first.GetSeating())
	}
	other := []*pb.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}
	_, err = c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: id, Attendance: other})
	if code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "differs") {
		t.Errorf("another attendance: got %v, want FailedPrecondition saying it differs", err)
	}
	// A later write: once its event is out, the earlier ones are.
	if _, err := c.RecordFeedback(ctx, &pb.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: &pb.Feedback{Rating: 5}}); err != nil {
		t.Fatal(err)
	}
	lastFeedbackIs(ctx, t, e, id, eventsv1.DinnerParty_DINNER_PARTY_HOST)
	if got := seatingEvents(ctx, t, e, id); got[events.SeatingHeld+"."+id] != 1 {
		t.Errorf("seating events %v, want one held", got)
	}
}

// TestRetriedFeedbackPublishesNothing (ADR 0272): the same feedback from
// the same party again (a retry whose first answer was lost) is answered
// OK and writes and publishes nothing: one feedback event per party
// (kill48 counted two for one feedback, 11/11).
func TestRetriedFeedbackPublishesNothing(t *testing.T) {
	ctx := context.Background()
	e, c, id := pastConfirmed(ctx, t)
	att := []*pb.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: id, Attendance: att}); err != nil {
		t.Fatal(err)
	}
	fb := &pb.Feedback{WouldMeetAgain: true, FirstTimeInSwedishHome: true, Rating: 4}
	guest := &pb.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: fb}
	if _, err := c.RecordFeedback(ctx, guest); err != nil {
		t.Fatal(err)
	}
	fbAgain, err := c.RecordFeedback(ctx, guest)
	if err != nil || fbAgain.GetSeating().GetGuestFeedback().GetRating() != 4 {
		t.Fatalf("the same feedback again: %v, %v", fbAgain.GetSeating(), err)
	}
	// The host's feedback is a later write: once its event is out, every
	// earlier one is (the outbox goes out oldest first).
	host := &pb.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: &pb.Feedback{Rating: 5}}
	if _, err := c.RecordFeedback(ctx, host); err != nil {
		t.Fatal(err)
	}

	lastFeedbackIs(ctx, t, e, id, eventsv1.DinnerParty_DINNER_PARTY_HOST)
	// A changed feedback is a change: stored and published.
	changed := &pb.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: &pb.Feedback{Rating: 3}}
	if res, err := c.RecordFeedback(ctx, changed); err != nil || res.GetSeating().GetGuestFeedback().GetRating() != 3 {
		t.Fatalf("changed feedback: %v, %v", res.GetSeating(), err)
	}
	lastFeedbackIs(ctx, t, e, id, eventsv1.DinnerParty_DINNER_PARTY_GUEST)
	if got := seatingEvents(ctx, t, e, id); got[events.SeatingFeedback+"."+id] != 3 {
		t.Errorf("seating events %v, want three feedback (the guest's, the host's, the guest's changed)", got)
	}
}

// lastFeedbackIs waits until seating id's last feedback event is party's.
func lastFeedbackIs(ctx context.Context, t *testing.T, e *env, id string, party eventsv1.DinnerParty) {
	t.Helper()
	st, err := e.nats.JS.Stream(ctx, events.StreamDinners)
	if err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		last, err := st.GetLastMsgForSubject(ctx, events.SeatingFeedback+"."+id)
		if err != nil {
			return err
		}
		var env eventsv1.Envelope
		var ch eventsv1.DinnerSeatingChanged
		if err := proto.Unmarshal(last.Data, &env); err != nil {
			return err
		}
		if err := env.GetPayload().UnmarshalTo(&ch); err != nil {
			return err
		}
		if ch.GetParty() != party {
			return fmt.Errorf("the last feedback event is the %v's, want the %v's", ch.GetParty(), party)
		}
		return nil
	})
}

// seatingEvents counts seating id's events by subject.
func seatingEvents(ctx context.Context, t *testing.T, e *env, id string) map[string]uint64 {
	t.Helper()
	st, err := e.nats.JS.Stream(ctx, events.StreamDinners)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter("dinners.seating.*."+id))
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Subjects
}
