package server_test

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// TestFeedbackChangedUnderItsRequestId (ADR 0280, ADR 0281's finding): a
// feedback page sent again after its rating was changed carries the same
// request id with another opinion. A retry sends what it sent, so that is
// the new opinion: stored and published; sent again as it is, it stands.
// Before, the id alone decided: OK, the change dropped, the rating 5 kept.
func TestFeedbackChangedUnderItsRequestId(t *testing.T) {
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
	if _, err := guest(&pb.Feedback{WouldMeetAgain: true, Rating: 5, RequestId: "page-1"}); err != nil {
		t.Fatal(err)
	}
	changed := &pb.Feedback{WouldMeetAgain: true, Rating: 2, RequestId: "page-1"}
	got, err := guest(changed)
	if err != nil || !proto.Equal(got.GetGuestFeedback(), changed) {
		t.Fatalf("the page sent again with rating 2: %v, %v; want rating 2 stored", got.GetGuestFeedback(), err)
	}
	if again, err := guest(changed); err != nil || !proto.Equal(again, got) {
		t.Errorf("the changed page's retry: %v, %v; want OK with it as stored", again.GetGuestFeedback(), err)
	}
	if _, err := c.RecordFeedback(ctx, &pb.RecordFeedbackRequest{Id: id, Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: &pb.Feedback{Rating: 4}}); err != nil {
		t.Fatal(err)
	}
	lastFeedbackIs(ctx, t, e, id, eventsv1.DinnerParty_DINNER_PARTY_HOST)
	if got := seatingEvents(ctx, t, e, id); got[events.SeatingFeedback+"."+id] != 3 {
		t.Errorf("seating events %v, want three feedback (the guest's two opinions, the host's)", got)
	}
}
