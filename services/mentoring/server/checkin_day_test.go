package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/motesplats/motesplats/pkg/apperr"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/mentoring/v1"
	"github.com/motesplats/motesplats/pkg/grpcx"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/mentoring/server"
)

// TestCheckInDayIsSwedens (ADR 0207): a check-in's date is judged on
// Sweden's calendar, as the gateway's form offers it. At 00:30 in
// Stockholm (23:30 UTC on 31 December in winter, 22:30 UTC on 30 June in
// summer) today is the new day: a check-in dated today is not "in the
// future", a pair that became active then became active on the new day
// (a check-in dated the day before is refused), and its term ends
// TermMonths (6) after that day. An hour earlier the new day is still
// the future.
func TestCheckInDayIsSwedens(t *testing.T) {
	t.Parallel()
	e := startEnv(t, 1, server.Options{})
	ctx := testutil.Context(t)
	e.seed(ctx, population(1, 40, 15))
	c := e.as(coordA)
	at := func(ts time.Time) { e.clock.Add(ts.Sub(e.clock.Now())) }
	activate := func(p *pb.Pair) *pb.Pair {
		t.Helper()
		if _, err := c.ApproveProposal(ctx, &pb.ApproveProposalRequest{Id: p.GetId()}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: p.GetId(), Party: eventsv1.Party_PARTY_NEWCOMER}); err != nil {
			t.Fatal(err)
		}
		res, err := c.AcceptOffer(ctx, &pb.AcceptOfferRequest{Id: p.GetId(), Party: eventsv1.Party_PARTY_MENTOR})
		if err != nil || res.GetPair().GetStatus() != eventsv1.PairStatus_PAIR_STATUS_ACTIVE {
			t.Fatalf("activate %s: %v, %v", p.GetId(), res.GetPair().GetStatus(), err)
		}
		return res.GetPair()
	}
	checkIn := func(p *pb.Pair, day string) error {
		_, err := c.RecordCheckIn(ctx, &pb.RecordCheckInRequest{Id: p.GetId(), CheckIn: &pb.CheckIn{Date: day, Met: true,
			Rating: pb.CheckInRating_CHECK_IN_RATING_GOOD}})
		return err
	}
	refused := func(err error, words string) bool {
		if status.Code(err) != codes.InvalidArgument || !hasField(err, "check_in.date") {
			return false
		}
		return slices.ContainsFunc(grpcx.FieldViolations(err), func(v apperr.FieldViolation) bool {
			return strings.Contains(v.Description, words)
		})
	}
	// One job before either edge; two of its proposals, each with a
	// mentor and a newcomer of its own, are activated at each edge.
	at(time.Date(2026, 12, 31, 21, 0, 0, 0, time.UTC))
	var ps []*pb.Pair
	seen := map[string]bool{}
	for _, p := range pairsOf(ctx, t, c, e.runJob(ctx, c, "job-1").GetId()) {
		if !seen[p.GetVolunteerId()] && !seen[p.GetParticipantId()] {
			seen[p.GetVolunteerId()], seen[p.GetParticipantId()] = true, true
			ps = append(ps, p)
		}
	}
	if len(ps) < 4 {
		t.Fatalf("%d proposals with a mentor and a newcomer of their own, want 4", len(ps))
	}
	for i, tc := range []struct {
		name                string
		before, after       time.Time // 23:30 and 00:30 in Stockholm
		oldDay, newDay, end string
	}{
		{"New Year (CET)", time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC), time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC),
			"2026-12-31", "2027-01-01", "2027-07-01"},
		{"midsummer night (CEST)", time.Date(2027, 6, 30, 21, 30, 0, 0, time.UTC), time.Date(2027, 6, 30, 22, 30, 0, 0, time.UTC),
			"2027-06-30", "2027-07-01", "2028-01-01"},
	} {
		at(tc.before)
		early := activate(ps[2*i])
		if err := checkIn(early, tc.newDay); !refused(err, "not in the future") {
			t.Errorf("%s: check-in dated %s at 23:30 in Stockholm: %v, want refused as the future", tc.name, tc.newDay, err)
		}
		if err := checkIn(early, tc.oldDay); err != nil {
			t.Errorf("%s: check-in dated %s, the day it is in Stockholm: %v", tc.name, tc.oldDay, err)
		}

		at(tc.after)
		if err := checkIn(early, tc.newDay); err != nil {
			t.Errorf("%s: check-in dated %s at 00:30 in Stockholm (%s): %v, want accepted", tc.name, tc.newDay, tc.after, err)
		}
		late := activate(ps[2*i+1])
		if err := checkIn(late, tc.oldDay); !refused(err, "before the pair became active") {
			t.Errorf("%s: check-in dated %s for a pair active since 00:30 on %s: %v, want refused", tc.name, tc.oldDay, tc.newDay, err)
		}
		if err := checkIn(late, tc.newDay); err != nil {
			t.Errorf("%s: check-in dated %s, the pair's first day: %v", tc.name, tc.newDay, err)
		}
		if got := late.GetTermEndDate(); got != tc.end {
			t.Errorf("%s: term of a pair active from %s ends %s, want %s", tc.name, tc.newDay, got, tc.end)
		}
	}
}
