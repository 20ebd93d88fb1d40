package server_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/events"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	proposalv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/proposal/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestReasonsInEventAndReport: a coordinator's reject reason is in the
// seating's rejected event as a code, and the month's report counts
// rejections and declines per reason.
func TestReasonsInEventAndReport(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1", "g-2"}, []string{"h-1"})
	c := e.as(coordA)
	e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 6, date(10)))
	e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 2, date(10)))
	e.mustSignUp(ctx, c, signUp("g-2", orgA, "0180", 2, date(10)))
	job := e.runJob(ctx, c, "reasons", "0180")
	ss := seatingsOf(ctx, t, c, job.GetId())
	if len(ss) != 2 {
		t.Fatalf("got %d seatings, want 2", len(ss))
	}
	rejected, declined := ss[0], ss[1]
	if _, err := c.RejectSeating(ctx, &pb.RejectSeatingRequest{Id: rejected.GetId(), Reason: proposalv1.RejectReason_REJECT_REASON_LOGISTICS}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ApproveSeating(ctx, &pb.ApproveSeatingRequest{Id: declined.GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RecordRsvp(ctx, &pb.RecordRsvpRequest{Id: declined.GetId(), Party: eventsv1.DinnerParty_DINNER_PARTY_GUEST,
		DeclineReason: eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_ILLNESS}); err != nil {
		t.Fatal(err)
	}

	var ev eventsv1.DinnerSeatingChanged
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		s, err := e.nats.JS.Stream(ctx, events.StreamDinners)
		if err != nil {
			return err
		}
		m, err := s.GetLastMsgForSubject(ctx, events.SeatingRejected+"."+rejected.GetId())
		if err != nil {
			return err
		}
		return decodeEvent(m, &ev)
	})
	if got := ev.GetRejectReason(); got != proposalv1.RejectReason_REJECT_REASON_LOGISTICS {
		t.Errorf("rejected event's reason: got %v, want LOGISTICS", got)
	}
	if ev.GetFacts().GetSeatingId() != rejected.GetId() || ev.GetFacts().GetStatus() != eventsv1.SeatingStatus_SEATING_STATUS_REJECTED {
		t.Errorf("rejected event's facts: %v", ev.GetFacts())
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
	want := &pb.ReportRow{
		Rejected: []*pb.RejectReasonCount{{Reason: proposalv1.RejectReason_REJECT_REASON_LOGISTICS, Seatings: 1}},
		Declined: []*pb.DeclineReasonCount{{Reason: eventsv1.RsvpDeclineReason_RSVP_DECLINE_REASON_ILLNESS, Seatings: 1}},
	}
	if row == nil || !proto.Equal(&pb.ReportRow{Rejected: row.GetRejected(), Declined: row.GetDeclined()}, want) {
		t.Errorf("report row: got %v, want the reasons %v", row, want)
	}
}

// decodeEvent reads a stream message's envelope and its payload.
func decodeEvent(m *jetstream.RawStreamMsg, into proto.Message) error {
	var env eventsv1.Envelope
	if err := proto.Unmarshal(m.Data, &env); err != nil {
		return err
	}
	return env.GetPayload().UnmarshalTo(into)
}

// TestUpdateSignUpEveryPicker: every field the sign-up form shows besides
// the newcomer and the place can be changed, each checked as on creation.
func TestUpdateSignUpEveryPicker(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, nil)
	c := e.as(coordA)
	s := e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 1, date(10)))

	in := &pb.SignUp{Id: s.GetId(), SwedishLevel: typev1.SwedishLevel_SWEDISH_LEVEL_SFI_D, Languages: []string{"ar", "en"},
		Composition: pb.Composition_COMPOSITION_ALL_FEMALE, SfiClass: "sfi-3b", Postcode: "11122", Dates: []string{date(12), date(11)}}
	res, err := c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: in,
		UpdateMask: mask("swedish_level", "languages", "composition", "sfi_class", "postcode", "dates")})
	if err != nil {
		t.Fatal(err)
	}
	got := res.GetSignUp()
	if got.GetSwedishLevel() != in.GetSwedishLevel() || len(got.GetLanguages()) != 2 || got.GetComposition() != in.GetComposition() ||
		got.GetSfiClass() != "sfi-3b" || got.GetPostcode() != "11122" || got.GetDates()[0] != date(11) || got.GetParticipantId() != "g-1" {
		t.Errorf("after update: %v", got)
	}

	bad := &pb.SignUp{Id: s.GetId(), Composition: pb.Composition(99), Postcode: "1", SwedishLevel: 0, SfiClass: "no spaces"}
	_, err = c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: bad, UpdateMask: mask("composition", "postcode", "swedish_level", "sfi_class")})
	if code(err) != codes.InvalidArgument {
		t.Fatalf("bad values: got %v, want InvalidArgument", err)
	}
	for _, f := range []string{"sign_up.composition", "sign_up.postcode", "sign_up.swedish_level", "sign_up.sfi_class"} {
		if !slices.Contains(servicetest.ViolatedFields(err), f) {
			t.Errorf("no violation of %s in %v", f, err)
		}
	}
}

// TestUpdateOffer: an offer's kitchen, languages, household, postcode,
// address and seats change; seats never shrink (a reservation in flight
// reads the old count), bad values are field violations, and another
// organisation's coordinator gets NotFound.
func TestUpdateOffer(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", nil, []string{"h-1"})
	c := e.as(coordA)
	o := e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(5), date(12)))

	in := &pb.Offer{Id: o.GetId(), Seats: 6, Kitchen: &pb.Kitchen{Diets: []typev1.Diet{typev1.Diet_DIET_VEGAN}}, Pets: true,
		Languages: []string{"ar", "fa"}, Composition: pb.Composition_COMPOSITION_FAMILY, Postcode: "11122", Address: "Storgatan 1"}
	res, err := c.UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: in, Etag: o.GetEtag(),
		UpdateMask: mask("seats", "kitchen", "pets", "languages", "composition", "postcode", "address")})
	if err != nil {
		t.Fatal(err)
	}
	got := res.GetOffer()
	if got.GetSeats() != 6 || got.GetKitchen().GetDiets()[0] != typev1.Diet_DIET_VEGAN || !got.GetPets() || len(got.GetLanguages()) != 2 ||
		got.GetComposition() != pb.Composition_COMPOSITION_FAMILY || got.GetPostcode() != "11122" || got.GetAddress() != "Storgatan 1" ||
		len(got.GetDinners()) != 2 || got.GetVolunteerId() != "h-1" {
		t.Errorf("after update: %v", got)
	}
	if _, err := c.UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: &pb.Offer{Id: o.GetId(), Seats: 5}, UpdateMask: mask("seats")}); code(err) != codes.FailedPrecondition {
		t.Errorf("fewer seats: got %v, want FailedPrecondition", err)
	}
	if _, err := c.UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: &pb.Offer{Id: o.GetId(), Seats: 7}, UpdateMask: mask("seats"), Etag: o.GetEtag()}); code(err) != codes.Aborted {
		t.Errorf("a stale etag: got %v, want Aborted", err)
	}
	bad := &pb.Offer{Id: o.GetId(), Seats: 40, Kitchen: &pb.Kitchen{Diets: []typev1.Diet{99}}, Postcode: "1", Composition: 99}
	_, err = c.UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: bad, UpdateMask: mask("seats", "kitchen", "postcode", "composition", "dinners")})
	if code(err) != codes.InvalidArgument || !slices.Contains(servicetest.ViolatedFields(err), "update_mask.paths[4]") {
		t.Fatalf("a path not to change: got %v %v", err, servicetest.ViolatedFields(err))
	}
	_, err = c.UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: bad, UpdateMask: mask("seats", "kitchen", "postcode", "composition")})
	for _, f := range []string{"offer.seats", "offer.kitchen.diets[0]", "offer.postcode", "offer.composition"} {
		if !slices.Contains(servicetest.ViolatedFields(err), f) {
			t.Errorf("no violation of %s in %v", f, servicetest.ViolatedFields(err))
		}
	}
	if _, err := e.as(coordB).UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: &pb.Offer{Id: o.GetId(), Seats: 8}, UpdateMask: mask("seats")}); code(err) != codes.NotFound {
		t.Errorf("another organisation's coordinator: got %v, want NotFound", err)
	}
}
