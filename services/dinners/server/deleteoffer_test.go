package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestDeleteOfferKeepsDinnersHeld (ADR 0280): a host's offer removed
// after some of its dinners took place. The dinner ahead is cancelled as
// before (its guest told: a cancelled event); at the dinners whose day
// has passed, the confirmed seating stays confirmed and takes its
// attendance afterwards, the held one stays held, both count as held
// dinners in the report, and a proposal there nobody answered is closed.
// Before, DeleteOffer cancelled the confirmed seating awaiting its
// attendance, and the report lost both held dinners with the offer.
func TestDeleteOfferKeepsDinnersHeld(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3", "g-4"}, []string{"h-1"})
	c, a := e.as(coordA), e.as(admin)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 6, date(10), date(25)))
	e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(25)))
	e.mustSignUp(ctx, c, signUp("g-4", orgA, "0180", 1, date(10)))
	ss := seatingsOf(ctx, t, c, e.runJob(ctx, c, "delete", "0180").GetId())
	if len(ss) != 2 {
		t.Fatalf("seatings: %v", ss)
	}
	ahead, unanswered := ss[0], ss[1]
	if ahead.GetDate() != date(25) {
		ahead, unanswered = unanswered, ahead
	}
	confirm(ctx, t, c, ahead.GetId())
	s2 := e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 3, date(25)))
	s3 := e.mustSignUp(ctx, c, signUp("g-3", orgA, "0180", 1, date(25)))
	e.clock.Add(20 * 24 * time.Hour) // today is date(20)
	awaiting, err := recordPast(ctx, a, s2.GetId(), o.GetId(), date(10))
	if err != nil {
		t.Fatal(err)
	}
	wasHeld, err := recordPast(ctx, a, s3.GetId(), o.GetId(), date(12))
	if err != nil {
		t.Fatal(err)
	}
	came := func(n int) []*pb.GuestAttendance {
		var out []*pb.GuestAttendance
		for k := range n {
			out = append(out, &pb.GuestAttendance{Member: int32(k), Attendance: eventsv1.Attendance_ATTENDANCE_CAME})
		}
		return out
	}
	if _, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: wasHeld.GetId(), Attendance: came(1)}); err != nil {
		t.Fatal(err)
	}

	if _, err := c.DeleteOffer(ctx, &pb.DeleteOfferRequest{Id: o.GetId()}); err != nil {
		t.Fatal(err)
	}
	want := map[string]eventsv1.SeatingStatus{
		ahead.GetId():      eventsv1.SeatingStatus_SEATING_STATUS_CANCELLED,
		awaiting.GetId():   eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED,
		wasHeld.GetId():    eventsv1.SeatingStatus_SEATING_STATUS_HELD,
		unanswered.GetId(): eventsv1.SeatingStatus_SEATING_STATUS_CANCELLED,
	}
	for id, st := range want {
		got, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: id})
		if err != nil || got.GetSeating().GetStatus() != st {
			t.Errorf("seating at %s after the offer's removal: %v, %v; want %v", got.GetSeating().GetDate(), got.GetSeating().GetStatus(), err, st)
		}
	}
	if got, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: awaiting.GetId(), Attendance: came(3)}); err != nil ||
		got.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_HELD {
		t.Errorf("attendance of the passed dinner after the removal: %v, %v", got, err)
	}
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		if n := seatingEvents(ctx, t, e, ahead.GetId())[events.SeatingCancelled+"."+ahead.GetId()]; n != 1 {
			return fmt.Errorf("the dinner ahead: %d cancelled events, want 1", n)
		}
		return nil
	})
	rep, err := c.GetReport(ctx, &pb.GetReportRequest{FromMonth: "2026-05", ToMonth: "2026-05"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rep.GetRows() {
		if r.GetDimension() == "" && r.GetMunicipalityCode() == "0180" {
			found = true
			if r.GetDinnersHeld() != 2 || r.GetGuestsAttended() != 4 {
				t.Errorf("report: %d dinners held, %d guests came; want 2 and 4", r.GetDinnersHeld(), r.GetGuestsAttended())
			}
		}
	}
	if !found {
		t.Errorf("report: no row for 0180: %v", rep.GetRows())
	}
}
