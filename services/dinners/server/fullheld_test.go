package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestFullDinnerSaysWhoHoldsTheSeats: a dinner of 3 seats whose first
// job's seatings took them all, one party's (1 seat) still an open
// proposal and the other's (2 seats) approved and confirmed by both. The
// next job leaves out a party that only that dinner fits as DINNERS_FULL,
// and the reason says who holds the seats: 1 an open proposal a
// coordinator can reject, 2 a confirmed seating (ADR 0171); the job's
// totals say the same. Once the guest of the open proposal is erased, the
// stored result still gives the counts and names neither them nor their
// sign-up (counts only).
func TestFullDinnerSaysWhoHoldsTheSeats(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-open", "g-conf", "g-out"}, []string{"h-1"})
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 3, date(10)))
	openSU := e.mustSignUp(ctx, c, signUp("g-open", orgA, "0180", 1, date(10)))
	e.mustSignUp(ctx, c, signUp("g-conf", orgA, "0180", 2, date(10)))
	first := seatingsOf(ctx, t, c, e.runJob(ctx, c, "first", "0180").GetId())
	if len(first) != 2 {
		t.Fatalf("first job: got %v, want both parties seated", first)
	}
	for _, p := range first {
		if p.GetParticipantId() != "g-conf" {
			continue
		}
		if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: p.GetId()}); err != nil {
			t.Fatal(err)
		}
		for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
			if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: p.GetId(), Party: party, Accept: true}); err != nil {
				t.Fatalf("RSVP %v: %v", party, err)
			}
		}
		got, err := c.GetSeating(ctx, &pb.GetSeatingRequest{Id: p.GetId()})
		if err != nil || got.GetSeating().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
			t.Fatalf("g-conf's seating: %v %v, want confirmed", got, err)
		}
	}
	out := e.mustSignUp(ctx, c, signUp("g-out", orgA, "0180", 1, date(10)))
	job := e.runJob(ctx, c, "second", "0180")
	want := &pb.FullDinners{Dinners: 1, SeatsHeldByProposals: 1, SeatsHeldByApproved: 2}
	check := func() error {
		un, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: job.GetId()})
		if err != nil {
			return err
		}
		if len(un.GetUnseated()) != 1 || un.GetUnseated()[0].GetSignUpId() != out.GetId() ||
			un.GetUnseated()[0].GetReason() != pb.UnseatedReason_UNSEATED_REASON_DINNERS_FULL {
			return fmt.Errorf("unseated: got %v, want g-out as DINNERS_FULL", un.GetUnseated())
		}
		if got := un.GetUnseated()[0].GetFullDinners(); !proto.Equal(got, want) {
			return fmt.Errorf("the party's full dinners: got %v, want %v", got, want)
		}
		if got := un.GetFullDinners(); !proto.Equal(got, want) {
			return fmt.Errorf("the job's full dinners: got %v, want %v", got, want)
		}
		raw, _ := proto.Marshal(un)
		for _, id := range []string{"g-open", openSU.GetId()} {
			if strings.Contains(string(raw), id) {
				return fmt.Errorf("the reason names %s", id)
			}
		}
		return nil
	}
	if err := check(); err != nil {
		t.Fatal(err)
	}

	e.publish(ctx, envelope(t, events.ParticipantErased, "g-open", &eventsv1.ParticipantErased{ParticipantId: "g-open"}))
	testutil.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
		if _, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: openSU.GetId()}); code(err) != codes.NotFound {
			return fmt.Errorf("erased guest's sign-up: %v", err)
		}
		return nil
	})
	if err := check(); err != nil {
		t.Fatal(err)
	}
	store, err := e.nats.JS.ObjectStore(ctx, "dinners_job_data")
	if err != nil {
		t.Fatal(err)
	}
	// Read again until every object reads (erasure may rewrite one under
	// the reader, as in TestEraseGuestAndHost).
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		objs, err := store.List(ctx)
		if err != nil {
			return err
		}
		for _, info := range objs {
			raw, err := store.GetBytes(ctx, info.Name)
			if err != nil {
				return fmt.Errorf("job object %s: %w", info.Name, err)
			}
			for _, id := range []string{"g-open", openSU.GetId()} {
				if strings.Contains(string(raw), id) {
					return fmt.Errorf("job object %s still names %s", info.Name, id)
				}
			}
		}
		return nil
	})
}

// TestErasedPartyLeavesTheFullDinnersTotals: two parties left out as
// DINNERS_FULL, each fitting only its own full dinner (3 seats held by
// open proposals at one, 2 at the other). The job's totals count both
// dinners; once the first party's guest is erased, they count only the
// dinner the party still listed fits, in the API and in the stored result
// (ADR 0180: before, the erased party's dinner stayed counted, 2 dinners
// and 5 seats beside a list of one party).
func TestErasedPartyLeavesTheFullDinnersTotals(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-three", "g-two", "g-a", "g-b"}, []string{"h-1", "h-2"})
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 3, date(10)))
	e.mustOffer(ctx, c, offer("h-2", orgA, "0180", 2, date(12)))
	e.mustSignUp(ctx, c, signUp("g-three", orgA, "0180", 3, date(10)))
	e.mustSignUp(ctx, c, signUp("g-two", orgA, "0180", 2, date(12)))
	if first := seatingsOf(ctx, t, c, e.runJob(ctx, c, "first", "0180").GetId()); len(first) != 2 {
		t.Fatalf("first job: got %v, want both parties seated", first)
	}
	a := e.mustSignUp(ctx, c, signUp("g-a", orgA, "0180", 1, date(10)))
	b := e.mustSignUp(ctx, c, signUp("g-b", orgA, "0180", 1, date(12)))
	job := e.runJob(ctx, c, "second", "0180")
	// check holds the list to want's parties and the totals to full, in
	// the API and in the stored result, which must not name g-a.
	check := func(full *pb.FullDinners, want ...string) error {
		un, err := c.ListUnseated(ctx, &pb.ListUnseatedRequest{JobId: job.GetId()})
		if err != nil {
			return err
		}
		var got []string
		for _, u := range un.GetUnseated() {
			if u.GetReason() != pb.UnseatedReason_UNSEATED_REASON_DINNERS_FULL {
				return fmt.Errorf("%s: got %v, want DINNERS_FULL", u.GetSignUpId(), u.GetReason())
			}
			if len(u.GetCountedDinners()) != 0 {
				return fmt.Errorf("%s: the API sent the result's own places %v", u.GetSignUpId(), u.GetCountedDinners())
			}
			got = append(got, u.GetSignUpId())
		}
		slices.Sort(got)
		slices.Sort(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("unseated: got %v, want %v", got, want)
		}
		if !proto.Equal(un.GetFullDinners(), full) {
			return fmt.Errorf("the job's full dinners: got %v, want %v", un.GetFullDinners(), full)
		}
		store, err := e.nats.JS.ObjectStore(ctx, "dinners_job_data")
		if err != nil {
			return err
		}
		raw, err := store.GetBytes(ctx, job.GetId()+".result")
		if err != nil {
			return err
		}
		var res pb.JobResult
		if err := proto.Unmarshal(raw, &res); err != nil {
			return err
		}
		if len(res.GetUnseated()) == len(want) && !proto.Equal(res.GetFullDinners(), full) {
			return fmt.Errorf("the stored result's full dinners: got %v, want %v", res.GetFullDinners(), full)
		}
		return nil
	}
	both := &pb.FullDinners{Dinners: 2, SeatsHeldByProposals: 5}
	if err := check(both, a.GetId(), b.GetId()); err != nil {
		t.Fatal(err)
	}

	e.publish(ctx, envelope(t, events.ParticipantErased, "g-a", &eventsv1.ParticipantErased{ParticipantId: "g-a"}))
	testutil.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		if _, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: a.GetId()}); code(err) != codes.NotFound {
			return fmt.Errorf("erased guest's sign-up: %v", err)
		}
		return check(&pb.FullDinners{Dinners: 1, SeatsHeldByProposals: 2}, b.GetId())
	})
}
