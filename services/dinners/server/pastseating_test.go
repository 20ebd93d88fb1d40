package server_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// TestRecordPastSeating brings in a dinner held before today (ADR 0269):
// only an admin may, only for a day before today and within a year, the
// party must fit the dinner's seats, and twice records it once. The
// seating is then what the normal path leaves (confirmed, the date among
// the offer's dinners): a coordinator records attendance with a no-show
// and feedback as usual, and the report, the no-show streak and the next
// job see it.
func TestRecordPastSeating(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3"}, []string{"h-1"})
	c, a := e.as(coordA), e.as(admin)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10)))
	s1 := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10), date(30)))
	s2 := e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 3, date(10)))
	e.clock.Add(20 * 24 * time.Hour) // today is date(20)
	past := func(cl pb.DinnerServiceClient, su, d string) (*pb.Seating, error) {
		res, err := cl.RecordPastSeating(ctx, &pb.RecordPastSeatingRequest{SignUpId: su, OfferId: o.GetId(), Date: d, StartTime: "18:00"})
		return res.GetSeating(), err
	}

	if _, err := past(c, s1.GetId(), date(5)); code(err) != codes.PermissionDenied {
		t.Errorf("a coordinator: got %v, want PermissionDenied", err)
	}
	for _, d := range []string{date(20), date(21), day0.AddDate(-1, 0, 19).Format(time.DateOnly), "5 maj"} {
		if _, err := past(a, s1.GetId(), d); code(err) != codes.InvalidArgument {
			t.Errorf("date %s: got %v, want InvalidArgument", d, err)
		}
	}
	p, err := past(a, s1.GetId(), date(5))
	if err != nil {
		t.Fatal(err)
	}
	if p.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED || p.GetDate() != date(5) || p.GetPartySize() != 2 {
		t.Fatalf("past seating: %v", p)
	}
	again, err := past(a, s1.GetId(), date(5))
	if err != nil || again.GetId() != p.GetId() {
		t.Fatalf("again: %v, %v", again, err)
	}
	if _, err := past(a, s2.GetId(), date(5)); code(err) != codes.FailedPrecondition {
		t.Errorf("3 more at a table of 4 with 2 taken: got %v, want FailedPrecondition", err)
	}
	got, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if ds := got.GetOffer().GetDinners(); len(ds) != 2 || ds[0].GetDate() != date(5) {
		t.Errorf("offer's dinners after two records: %v", ds)
	}
	list, err := c.ListSeatings(ctx, &pb.ListSeatingsRequest{SignUpId: s1.GetId()})
	if err != nil || list.GetTotalSize() != 1 {
		t.Fatalf("seatings of the sign-up: %v, %v", list, err)
	}

	// A dinner whose day has passed cannot be cancelled: that cancelled
	// the confirmed seating whose attendance was still to record.
	if _, err := c.CancelDinner(ctx, &pb.CancelDinnerRequest{OfferId: o.GetId(), Date: date(5)}); code(err) != codes.FailedPrecondition {
		t.Errorf("cancel a past dinner: got %v, want FailedPrecondition", err)
	}
	// The coordinator's half: attendance with a no-show, then feedback.
	att := []*pb.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_NO_SHOW}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: p.GetId(), Attendance: att}); err != nil {
		t.Fatal(err)
	}
	fb := &pb.Feedback{WouldMeetAgain: true, Rating: 4}
	if _, err := c.RecordFeedback(ctx, &pb.RecordFeedbackRequest{Id: p.GetId(), Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: fb}); err != nil {
		t.Fatal(err)
	}
	if held, err := past(a, s1.GetId(), date(5)); err != nil || held.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_HELD {
		t.Errorf("recorded again once held: %v, %v", held, err)
	}
	// A newcomer whose sign-up is made after the dinner it records (paper
	// records typed in later) has no wait to count: not a negative one.
	late := e.mustSignUp(ctx, c, signUp("g-3", orgA, "0180", 1, date(30)))
	lp, err := past(a, late.GetId(), date(5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: lp.GetId(), Attendance: []*pb.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}}); err != nil {
		t.Fatal(err)
	}
	su, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: s1.GetId()})
	if err != nil || su.GetSignUp().GetNoShowStreak() != 1 {
		t.Errorf("no-show streak: %v, %v", su, err)
	}
	rep, err := c.GetReport(ctx, &pb.GetReportRequest{FromMonth: "2026-05", ToMonth: "2026-05"})
	if err != nil {
		t.Fatal(err)
	}
	var row *pb.ReportRow
	for _, r := range rep.GetRows() {
		if r.GetDimension() == "" && r.GetMunicipalityCode() == "0180" {
			row = r
		}
	}
	if row == nil || row.GetDinnersHeld() != 1 || row.GetGuestsSeated() != 3 || row.GetGuestsAttended() != 2 || row.GetNoShowPerMille() != 333 ||
		row.GetMedianWaitDays() != 5 {
		t.Errorf("report row: %v", row)
	}
	// A sign-up whose party had its dinner waits no more: the next job,
	// with a dinner on its date(30), leaves it out (the no-show changes
	// nothing else there; ADR 0269).
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(30)))
	job := e.runJob(ctx, c, "after-past", "0180")
	if n := job.GetCounts().GetProposals(); n != 0 {
		t.Errorf("proposals after the held dinner: %d, want 0", n)
	}
}
