package server_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	"github.com/motesplats/motesplats/pkg/proposal"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// recordPast records su's party at offer's dinner on d as cl.
func recordPast(ctx context.Context, cl pb.DinnerServiceClient, su, offer, d string) (*pb.Seating, error) {
	res, err := cl.RecordPastSeating(ctx, &pb.RecordPastSeatingRequest{SignUpId: su, OfferId: offer, Date: d, StartTime: "18:00"})
	return res.GetSeating(), err
}

// TestPastSeatingOneDinnerAnEvening: a party is at one dinner an evening
// (ADR 0277). Recorded at host 1's dinner, the record at host 2's dinner
// the same evening is refused in words naming the date, and writes
// nothing (no seating, no date on host 2's offer, nothing in the report);
// the same record again is a retry and answers the seating as it is; the
// next evening at host 2 is another dinner and is recorded.
func TestPastSeatingOneDinnerAnEvening(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1", "h-2"})
	c, a := e.as(coordA), e.as(admin)
	o1 := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10)))
	o2 := e.mustOffer(ctx, c, offer("h-2", orgA, "0180", 4, date(10)))
	su := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10)))
	e.clock.Add(20 * 24 * time.Hour) // today is date(20)

	first, err := recordPast(ctx, a, su.GetId(), o1.GetId(), date(5))
	if err != nil || first.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		t.Fatalf("first record: %v, %v", first, err)
	}
	_, err = recordPast(ctx, a, su.GetId(), o2.GetId(), date(5))
	if code(err) != codes.FailedPrecondition || !strings.Contains(status.Convert(err).Message(), date(5)) {
		t.Errorf("a second host the same evening: got %v, want FailedPrecondition naming %s", err, date(5))
	}
	if _, err := recordPast(ctx, a, su.GetId(), o2.GetId(), date(5)); code(err) != codes.FailedPrecondition {
		t.Errorf("the refused record again: got %v, want FailedPrecondition", err)
	}
	again, err := recordPast(ctx, a, su.GetId(), o1.GetId(), date(5))
	if err != nil || again.GetId() != first.GetId() || again.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		t.Errorf("the first record again (a retry): %v, %v", again, err)
	}
	next, err := recordPast(ctx, a, su.GetId(), o2.GetId(), date(6))
	if err != nil || next.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		t.Errorf("host 2 the next evening: %v, %v", next, err)
	}
	at2, err := c.ListSeatings(ctx, &pb.ListSeatingsRequest{OfferId: o2.GetId()})
	if err != nil || at2.GetTotalSize() != 1 || at2.GetSeatings()[0].GetDate() != date(6) {
		t.Errorf("host 2's seatings: %v, %v", at2, err)
	}
	got, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o2.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range got.GetOffer().GetDinners() {
		if d.GetDate() == date(5) {
			t.Errorf("the refused record added %s to host 2's offer", date(5))
		}
	}
	// The report counts the party seated twice: on date(5) and date(6).
	rep, err := c.GetReport(ctx, &pb.GetReportRequest{FromMonth: "2026-05", ToMonth: "2026-05"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.GetRows() {
		if r.GetDimension() == "" && r.GetMunicipalityCode() == "0180" && r.GetGuestsSeated() != 4 {
			t.Errorf("report: %d guests seated, want 4 (a party of 2 at two dinners)", r.GetGuestsSeated())
		}
	}
}

// TestPastSeatingOneEveningAtOnce sends the two records of one party, on
// two hosts' offers for one evening, at the same moment through two
// replicas, for many parties: each party is seated once that evening (the
// claim on its evening is a compare-and-set), the other call refused.
func TestPastSeatingOneEveningAtOnce(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 2, serverOptions())
	const parties = 24
	var guests []string
	for k := range parties {
		guests = append(guests, fmt.Sprintf("g-%d", k))
	}
	e.people(ctx, orgA, "0180", guests, []string{"h-1", "h-2"})
	c := e.as(coordA)
	o1 := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 12, date(10)))
	o2 := e.mustOffer(ctx, c, offer("h-2", orgA, "0180", 12, date(10)))
	sus := make([]*pb.SignUp, parties)
	for k, g := range guests {
		sus[k] = e.mustSignUp(ctx, c, signUp(g, orgA, "0180", 1, date(10)))
	}
	e.clock.Add(30 * 24 * time.Hour)
	a := []pb.DinnerServiceClient{e.replica(0, admin), e.replica(1, admin)}
	offers := []string{o1.GetId(), o2.GetId()}
	doubles := 0
	for k, su := range sus {
		// Each party on its own evening, so no table fills.
		d := day0.AddDate(0, 0, 29-k).Format(time.DateOnly)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for i := range 2 {
			wg.Go(func() {
				<-start
				_, errs[i] = recordPast(ctx, a[i], su.GetId(), offers[i], d)
			})
		}
		close(start)
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case code(err) != codes.FailedPrecondition:
				t.Errorf("party %d: %v", k, err)
			}
		}
		list, err := c.ListSeatings(ctx, &pb.ListSeatingsRequest{SignUpId: su.GetId()})
		if err != nil {
			t.Fatal(err)
		}
		if ok != 1 || list.GetTotalSize() != 1 {
			doubles++
			t.Errorf("party %d on %s: %d answered OK, %d seatings; want 1 and 1", k, d, ok, list.GetTotalSize())
		}
	}
	t.Logf("%d of %d parties seated twice or not at all", doubles, parties)
}

// TestPastSeatingCapCountsDinnersBehind: an offer's cap of 16 dinners
// bounds the dinners ahead; a weekly host's year of paper records (and a
// daily one's) is recorded on one offer, up to the separate cap of 366
// dinners before today, past which the record is InvalidArgument on
// offer_id (never Internal), while a retry of a recorded date still
// answers its seating.
func TestPastSeatingCapCountsDinnersBehind(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1"})
	c, a := e.as(coordA), e.as(admin)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10)))
	su := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 1, date(10)))
	e.clock.Add(20 * 24 * time.Hour) // today is date(20); date(10) is behind
	today := day0.AddDate(0, 0, 20)
	first := today.AddDate(-1, 0, 0)
	n := 0
	var last *pb.Seating
	for d := first; d.Before(today); d = d.AddDate(0, 0, 1) {
		ds := d.Format(time.DateOnly)
		if ds == date(10) {
			continue
		}
		p, err := recordPast(ctx, a, su.GetId(), o.GetId(), ds)
		if err != nil {
			t.Fatalf("record %d (%s): %v", n+1, ds, err)
		}
		last, n = p, n+1
	}
	got, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records; the offer holds %d dinners, %d bytes", n, len(got.GetOffer().GetDinners()), proto.Size(got.GetOffer()))
	// A day on, the year back reaches one more date, the 366th behind
	// (the offer's own date(10) among them); a day later one more is
	// refused.
	e.clock.Add(24 * time.Hour)
	if _, err := recordPast(ctx, a, su.GetId(), o.GetId(), today.Format(time.DateOnly)); err != nil {
		t.Fatalf("the 366th dinner behind: %v", err)
	}
	e.clock.Add(24 * time.Hour)
	_, err = recordPast(ctx, a, su.GetId(), o.GetId(), today.AddDate(0, 0, 1).Format(time.DateOnly))
	if code(err) != codes.InvalidArgument || !slices.Contains(servicetest.ViolatedFields(err), "offer_id") {
		t.Errorf("the 367th dinner behind: got %v, want InvalidArgument on offer_id", err)
	}
	again, err := recordPast(ctx, a, su.GetId(), o.GetId(), last.GetDate())
	if err != nil || again.GetId() != last.GetId() {
		t.Errorf("a retry at the cap: %v, %v", again, err)
	}
}

// TestPastSeatingEveningOfAJobsSeating: a party a job seated at host 1's
// dinner, confirmed while the date was ahead, is not recorded at host 2's
// dinner that evening once it has passed (the evening's claim is
// RecordPastSeating's own; this is found by the party's seatings).
func TestPastSeatingEveningOfAJobsSeating(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1", "h-2"})
	c, a := e.as(coordA), e.as(admin)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10)))
	su := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10)))
	job := e.runJob(ctx, c, "before", "0180")
	ps := seatingsOf(ctx, t, c, job.GetId())
	if len(ps) != 1 {
		t.Fatalf("job's seatings: %v", ps)
	}
	if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: ps[0].GetId()}); err != nil {
		t.Fatal(err)
	}
	for _, party := range []eventsv1.DinnerParty{eventsv1.DinnerParty_DINNER_PARTY_GUEST, eventsv1.DinnerParty_DINNER_PARTY_HOST} {
		if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: ps[0].GetId(), Party: party, Accept: true}); err != nil {
			t.Fatal(err)
		}
	}
	o2 := e.mustOffer(ctx, c, offer("h-2", orgA, "0180", 4, date(12)))
	e.clock.Add(20 * 24 * time.Hour)
	_, err := recordPast(ctx, a, su.GetId(), o2.GetId(), date(10))
	if code(err) != codes.FailedPrecondition || !strings.Contains(status.Convert(err).Message(), date(10)) {
		t.Errorf("host 2 on the evening of the job's seating: got %v, want FailedPrecondition naming %s", err, date(10))
	}
	if p, err := recordPast(ctx, a, su.GetId(), o2.GetId(), date(11)); err != nil || p.GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_CONFIRMED {
		t.Errorf("host 2 the next evening: %v, %v", p, err)
	}
}

// TestPastSeatingEveningClaimErased: the claim on an erased guest's evening
// goes with their seatings (its key is derived from their id and the date).
func TestPastSeatingEveningClaimErased(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1"})
	c, a := e.as(coordA), e.as(admin)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(10)))
	su := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10)))
	e.clock.Add(20 * 24 * time.Hour)
	if _, err := recordPast(ctx, a, su.GetId(), o.GetId(), date(5)); err != nil {
		t.Fatal(err)
	}
	kv, err := e.nats.JS.KeyValue(ctx, "dinners_seats")
	if err != nil {
		t.Fatal(err)
	}
	key := proposal.ID("dinner-evening", "g-1", date(5)) // eveningResource
	if _, err := kv.Get(ctx, key); err != nil {
		t.Fatalf("the evening's claim before erasure: %v", err)
	}
	e.publish(ctx, envelope(t, events.ParticipantErased, "g-1", &eventsv1.ParticipantErased{ParticipantId: "g-1"}))
	testutil.CheckFor(t, 15*time.Second, 50*time.Millisecond, func() error {
		if _, err := kv.Get(ctx, key); !errors.Is(err, jetstream.ErrKeyNotFound) {
			return fmt.Errorf("the evening's claim after erasure: %v", err)
		}
		return nil
	})
}
