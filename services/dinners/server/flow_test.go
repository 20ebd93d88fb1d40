package server_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
)

// TestFlow walks one party from sign-up to feedback: a job seats it with
// an explanation, the coordinator approves, both RSVP, attendance and
// feedback are recorded, and the report and the no-show streak count it.
func TestFlow(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3"}, []string{"h-1"})
	c := e.as(coordA)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10), date(17)))
	s1 := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 3, date(10)))
	second := signUp("g-2", orgA, "0180", 2, date(10)) // does not fit with g-1 on day 10, and scores less
	second.FirstTime = false
	e.mustSignUp(ctx, c, second)
	kosher := signUp("g-3", orgA, "0180", 1, date(17))
	kosher.Diets = []typev1.Diet{typev1.Diet_DIET_KOSHER}
	s3 := e.mustSignUp(ctx, c, kosher)

	job := e.runJob(ctx, c, "job-1", "0180")
	if got := job.GetCounts().GetProposals(); got != 1 {
		t.Fatalf("proposals: got %d, want 1 (job %v)", got, job)
	}
	if job.GetBound() < job.GetObjective() || job.GetObjective() <= 0 {
		t.Errorf("objective %d, bound %d", job.GetObjective(), job.GetBound())
	}
	reasons := unseatedOf(ctx, t, c, job.GetId())
	if got := reasons[s3.GetId()]; got != pb.UnseatedReason_UNSEATED_REASON_NO_KITCHEN {
		t.Errorf("kosher party: got %v, want NO_KITCHEN", got)
	}
	if len(reasons) != 2 {
		t.Errorf("unseated: got %v, want 2 parties", reasons)
	}
	ss := seatingsOf(ctx, t, c, job.GetId())
	p := ss[0]
	if p.GetSignUpId() != s1.GetId() || p.GetPartySize() != 3 || p.GetDate() != date(10) || len(p.GetScoreParts()) == 0 {
		t.Fatalf("seating: %v", p)
	}

	if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: p.GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: p.GetId(), Party: party, Accept: true}); err != nil {
			t.Fatalf("RSVP %v: %v", party, err)
		}
	}
	got, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if taken := got.GetOffer().GetDinners()[0].GetSeatsTaken(); taken != 3 {
		t.Errorf("seats taken: got %d, want 3", taken)
	}
	// Growing the party past the table's 4 seats fails and changes nothing.
	_, err = c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: s1.GetId(), Party: party(5)}, UpdateMask: mask("party")})
	if code(err) != codes.FailedPrecondition {
		t.Errorf("grow past the table: got %v, want FailedPrecondition", err)
	}
	if _, err := c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: s1.GetId(), Party: party(4)}, UpdateMask: mask("party")}); err != nil {
		t.Errorf("grow to the table's size: %v", err)
	}

	// Attendance only on or after the day.
	att := []*pb.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_NO_SHOW}, {Member: 1, Attendance: eventsv1.Attendance_ATTENDANCE_CAME},
		{Member: 2, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}, {Member: 3, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: p.GetId(), Attendance: att}); code(err) != codes.FailedPrecondition {
		t.Errorf("attendance before the dinner: got %v", err)
	}
	e.clock.Add(11 * 24 * time.Hour)
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: p.GetId(), Attendance: att}); err != nil {
		t.Fatal(err)
	}
	fb := &pb.Feedback{WouldMeetAgain: true, LanguagePractised: true, Rating: 5}
	res, err := c.RecordFeedback(ctx, &pb.RecordFeedbackRequest{Id: p.GetId(), Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: fb})
	if err != nil {
		t.Fatal(err)
	}
	if res.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_HELD || res.GetSeating().GetHostFeedback().GetRating() != 5 {
		t.Errorf("after feedback: %v", res.GetSeating())
	}
	su, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: s1.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if got := su.GetSignUp().GetNoShowStreak(); got != 1 {
		t.Errorf("no-show streak: got %d, want 1", got)
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
	if row == nil || row.GetDinnersOffered() != 2 || row.GetDinnersHeld() != 1 || row.GetGuestsSeated() != 4 ||
		row.GetGuestsAttended() != 3 || row.GetNoShowPerMille() != 250 || row.GetMedianWaitDays() != 10 {
		t.Errorf("report row: %v", row)
	}
}
