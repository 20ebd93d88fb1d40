package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	dinnersv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
)

// heldDinnersOrg is the demo organisation with dinners already held: the
// one the dinners walk-through signs in as (services/dinners/README.md).
const heldDinnersOrg = "Invitationsdepartementet Stockholm"

// heldDinners is how many of its dinners the seed records as held in the
// past, the days before the seed they were on, and how many of them
// (the first) have attendance and feedback already; the others wait for
// a coordinator to record who came.
var heldDinners = struct {
	daysAgo  []int
	recorded int
}{daysAgo: []int{3, 6, 9, 13, 20}, recorded: 2}

// seedHeld records dinners of heldOrg held before today, so a coordinator
// on fresh demo data can try the programme's second half (attendance,
// feedback, the reports) at once. The dinners service refuses a past date
// everywhere a coordinator plans; the seed goes through what an admin
// bringing in history uses, RecordPastSeating (ADR 0269), and records
// attendance and feedback the usual way. Each host's offer gets one past
// dinner with one party whose whole party fits. Idempotent across days: a
// sign-up or an offer that has a seating confirmed or held already is not
// used again, so a second seed (even a week later) adds nothing.
func (d *dinnerSeed) seedHeld(ctx context.Context, dc dinnersv1.DinnerServiceClient, today time.Time) error {
	if d.heldOrg == "" {
		return nil
	}
	defer d.countHeld(ctx, dc, today)
	hosts, guests := d.heldPeople()
	g := 0
	for n, h := range hosts {
		if n >= len(heldDinners.daysAgo) {
			break
		}
		offer, err := dc.GetOffer(ctx, &dinnersv1.GetOfferRequest{Id: d.offers[h]})
		if err != nil {
			return err
		}
		if done, err := hasSeating(ctx, dc, &dinnersv1.ListSeatingsRequest{OfferId: offer.GetOffer().GetId()}, today); err != nil || done {
			if err != nil {
				return err
			}
			continue // this host's past dinner was recorded by an earlier seed
		}
		date := today.AddDate(0, 0, -heldDinners.daysAgo[n]).Format(time.DateOnly)
		for ; g < len(guests); g++ {
			su, err := dc.GetSignUp(ctx, &dinnersv1.GetSignUpRequest{Id: d.signUps[guests[g]]})
			if err != nil {
				return err
			}
			if len(su.GetSignUp().GetParty()) > int(offer.GetOffer().GetSeats()) {
				continue
			}
			done, err := hasSeating(ctx, dc, &dinnersv1.ListSeatingsRequest{SignUpId: su.GetSignUp().GetId()}, today)
			if err != nil {
				return err
			}
			if done {
				continue
			}
			res, err := dc.RecordPastSeating(ctx, &dinnersv1.RecordPastSeatingRequest{SignUpId: su.GetSignUp().GetId(),
				OfferId: offer.GetOffer().GetId(), Date: date, StartTime: "18:00"})
			if err != nil {
				return fmt.Errorf("past seating: %w", err)
			}
			if n < heldDinners.recorded {
				if err := recordHeld(ctx, dc, res.GetSeating(), n); err != nil {
					return err
				}
			}
			g++
			break
		}
	}
	return nil
}

// heldPeople are heldOrg's hosts with an offer and guests with a sign-up,
// by item number, so every seed picks the same.
func (d *dinnerSeed) heldPeople() (hosts, guests []int) {
	for i, v := range d.hosts {
		if v.GetOrganisationId() == d.heldOrg && d.offers[i] != "" {
			hosts = append(hosts, i)
		}
	}
	for i, p := range d.guests {
		if p.GetOrganisationId() == d.heldOrg && d.signUps[i] != "" {
			guests = append(guests, i)
		}
	}
	slices.Sort(hosts)
	slices.Sort(guests)
	return hosts, guests
}

// hasSeating reports whether the listed seatings include one confirmed or
// held on a day before today: the past dinner an earlier seed recorded.
func hasSeating(ctx context.Context, dc dinnersv1.DinnerServiceClient, req *dinnersv1.ListSeatingsRequest, today time.Time) (bool, error) {
	req.Statuses = []eventsv1.SeatingStatus{eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED, eventsv1.SeatingStatus_SEATING_STATUS_HELD}
	req.PageSize = 100
	res, err := dc.ListSeatings(ctx, req)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(res.GetSeatings(), func(p *dinnersv1.Seating) bool {
		return p.GetDate() < today.Format(time.DateOnly)
	}), nil
}

// recordHeld records the n-th held dinner's attendance (everyone came)
// and both sides' feedback, the way a coordinator does after the dinner.
func recordHeld(ctx context.Context, dc dinnersv1.DinnerServiceClient, p *dinnersv1.Seating, n int) error {
	if p.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		return nil
	}
	att := make([]*dinnersv1.GuestAttendance, p.GetPartySize())
	for k := range att {
		att[k] = &dinnersv1.GuestAttendance{Member: int32(k), Attendance: eventsv1.Attendance_ATTENDANCE_CAME}
	}
	if _, err := dc.RecordAttendance(ctx, &dinnersv1.RecordAttendanceRequest{Id: p.GetId(), Attendance: att}); err != nil {
		return fmt.Errorf("attendance: %w", err)
	}
	for _, fb := range []*dinnersv1.RecordFeedbackRequest{
		{Id: p.GetId(), Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST, Feedback: &dinnersv1.Feedback{WouldMeetAgain: true, LanguagePractised: true,
			FirstTimeInSwedishHome: p.GetFirstTime(), Rating: int32(5 - n)}},
		{Id: p.GetId(), Party: eventsv1.DinnerParty_DINNER_PARTY_HOST, Feedback: &dinnersv1.Feedback{WouldMeetAgain: n == 0, LanguagePractised: true, Rating: 4}},
	} {
		if _, err := dc.RecordFeedback(ctx, fb); err != nil {
			return fmt.Errorf("feedback: %w", err)
		}
	}
	return nil
}

// countHeld counts, for the banner, heldOrg's seatings before today: held
// (attendance recorded) and confirmed (attendance still to record). A
// failed read leaves the counts at zero: the banner then says nothing.
func (d *dinnerSeed) countHeld(ctx context.Context, dc dinnersv1.DinnerServiceClient, today time.Time) {
	req := &dinnersv1.ListSeatingsRequest{PageSize: 500, Statuses: []eventsv1.SeatingStatus{
		eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED, eventsv1.SeatingStatus_SEATING_STATUS_HELD}}
	var all []*dinnersv1.Seating
	// Every page: a seed run after jobs and records can hold more than one.
	for {
		res, err := dc.ListSeatings(ctx, req)
		if err != nil {
			d.held, d.toRecord = 0, 0
			return
		}
		all = append(all, res.GetSeatings()...)
		if req.PageToken = res.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	for _, p := range all {
		if p.GetOrganisationId() != d.heldOrg || p.GetDate() >= today.Format(time.DateOnly) {
			continue
		}
		if p.GetStatus() == eventsv1.SeatingStatus_SEATING_STATUS_HELD {
			d.held++
		} else {
			d.toRecord++
		}
	}
}
