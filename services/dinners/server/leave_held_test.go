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
	"google.golang.org/grpc/codes"
)

// TestLeaverKeepsDinnersHeld (ADR 0282): a host and a guest who leave the
// programme (deleted, not erased) after dinners they were at took place.
// The host's dinner ahead is cancelled as before; the confirmed seatings
// at dinners whose day has passed stay confirmed and take their
// attendance afterwards, as DeleteOffer keeps them (ADR 0280). Before,
// the kit's Leave cancelled them and the record of the dinner was lost.
// An erased guest's past seating is still erased (ADR 0020).
func TestLeaverKeepsDinnersHeld(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2", "g-3", "g-4"}, []string{"h-1", "h-2"})
	c, a := e.as(coordA), e.as(admin)
	o1 := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 6, date(10), date(25)))
	o2 := e.mustOffer(ctx, c, offer("h-2", orgA, "0180", 6, date(11)))
	e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(25)))
	ss := seatingsOf(ctx, t, c, e.runJob(ctx, c, "leave", "0180").GetId())
	if len(ss) != 1 || ss[0].GetDate() != date(25) {
		t.Fatalf("seatings: %v", ss)
	}
	ahead := ss[0]
	confirm(ctx, t, c, ahead.GetId())
	s2 := e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 1, date(25)))
	s3 := e.mustSignUp(ctx, c, signUp("g-3", orgA, "0180", 1, date(25)))
	s4 := e.mustSignUp(ctx, c, signUp("g-4", orgA, "0180", 1, date(25)))
	e.clock.Add(20 * 24 * time.Hour) // today is date(20)
	atHost, err := recordPast(ctx, a, s2.GetId(), o1.GetId(), date(10))
	if err != nil {
		t.Fatal(err)
	}
	ofGuest, err := recordPast(ctx, a, s3.GetId(), o2.GetId(), date(11))
	if err != nil {
		t.Fatal(err)
	}
	ofErased, err := recordPast(ctx, a, s4.GetId(), o2.GetId(), date(11))
	if err != nil {
		t.Fatal(err)
	}

	e.publish(ctx,
		envelope(t, events.VolunteerDeleted, "h-1", &eventsv1.VolunteerDeleted{VolunteerId: "h-1"}),
		envelope(t, events.ParticipantDeleted, "g-3", &eventsv1.ParticipantDeleted{ParticipantId: "g-3"}),
		envelope(t, events.ParticipantErased, "g-4", &eventsv1.ParticipantErased{ParticipantId: "g-4"}))
	// The ahead seating's cancellation and the erasure say the events
	// were handled; the kept ones are read after.
	testutil.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		got, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: ahead.GetId()})
		if err != nil || got.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CANCELLED {
			return fmt.Errorf("the dinner ahead of the host who left: %v, %v; want cancelled", got.GetSeating().GetStatus(), err)
		}
		if _, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: ofErased.GetId()}); code(err) != codes.NotFound {
			return fmt.Errorf("the erased guest's past seating: %v, want NotFound", err)
		}
		return nil
	})
	e.people(ctx, orgA, "0180", []string{"g-marker"}, nil) // applied after the leaves
	for what, id := range map[string]string{"the host who left": atHost.GetId(), "the guest who left": ofGuest.GetId()} {
		got, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: id})
		if err != nil || got.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
			t.Errorf("the passed dinner of %s: %v, %v; want confirmed, awaiting its attendance", what, got.GetSeating().GetStatus(), err)
			continue
		}
		res, err := c.RecordAttendance(ctx, &pb.RecordAttendanceRequest{Id: id,
			Attendance: []*pb.GuestAttendance{{Member: 0, Attendance: eventsv1.Attendance_ATTENDANCE_CAME}}})
		if err != nil || res.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_HELD {
			t.Errorf("attendance of the passed dinner of %s: %v, %v", what, res.GetSeating().GetStatus(), err)
		}
	}
}
