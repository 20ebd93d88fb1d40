package server_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestValidateOnlyUpdate: an offer or sign-up update with validate_only
// is checked as the update would be (every violation, the etag, seats
// that only grow, the caller's scope) and stores nothing, valid or not:
// the web edit forms ask it when they refuse a field themselves, so one
// answer lists every problem (ADR 0139).
func TestValidateOnlyUpdate(t *testing.T) {
	ctx := context.Background()
	e, o, s := oneOfferOneSignUp(t)
	c := e.as(coordA)

	res, err := c.UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: &pb.Offer{Id: o.GetId(), Seats: 6, Postcode: "11122"},
		UpdateMask: mask("seats", "postcode"), Etag: o.GetEtag(), ValidateOnly: true})
	if err != nil || res.GetOffer() != nil {
		t.Fatalf("a valid offer change, validate only: %v, %v; want no error and no offer", res, err)
	}
	bad := &pb.Offer{Id: o.GetId(), Seats: 40, Kitchen: &pb.Kitchen{Diets: []typev1.Diet{99}}, Postcode: "1", Composition: 99}
	_, err = c.UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: bad, UpdateMask: mask("seats", "kitchen", "postcode", "composition"), ValidateOnly: true})
	if want := []string{"offer.seats", "offer.kitchen.diets[0]", "offer.postcode", "offer.composition"}; !slices.Equal(servicetest.ViolatedFields(err), want) {
		t.Errorf("four bad offer fields, validate only: %v; want %v", servicetest.ViolatedFields(err), want)
	}
	if _, err := c.UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: &pb.Offer{Id: o.GetId(), Seats: 3}, UpdateMask: mask("seats"), ValidateOnly: true}); code(err) != codes.FailedPrecondition {
		t.Errorf("fewer seats, validate only: %v, want FailedPrecondition", err)
	}
	if _, err := e.as(coordB).UpdateOffer(ctx, &pb.UpdateOfferRequest{Offer: &pb.Offer{Id: o.GetId(), Seats: 8}, UpdateMask: mask("seats"), ValidateOnly: true}); code(err) != codes.NotFound {
		t.Errorf("another organisation's offer, validate only: %v, want NotFound", err)
	}

	sres, err := c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: s.GetId(), Party: party(3), Postcode: "11122"},
		UpdateMask: mask("party", "postcode"), Etag: s.GetEtag(), ValidateOnly: true})
	if err != nil || sres.GetSignUp() != nil {
		t.Fatalf("a valid sign-up change, validate only: %v, %v; want no error and no sign-up", sres, err)
	}
	badSignUp := &pb.SignUp{Id: s.GetId(), Composition: pb.Composition(99), Postcode: "1", SfiClass: "no spaces"}
	_, err = c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: badSignUp, UpdateMask: mask("composition", "postcode", "sfi_class"), ValidateOnly: true})
	for _, f := range []string{"sign_up.composition", "sign_up.postcode", "sign_up.sfi_class"} {
		if !slices.Contains(servicetest.ViolatedFields(err), f) {
			t.Errorf("three bad sign-up fields, validate only: %v; want a violation of %s", servicetest.ViolatedFields(err), f)
		}
	}
	if _, err := c.UpdateSignUp(ctx, &pb.UpdateSignUpRequest{SignUp: &pb.SignUp{Id: s.GetId(), Postcode: "11122"}, UpdateMask: mask("postcode"),
		Etag: "stale", ValidateOnly: true}); code(err) != codes.Aborted {
		t.Errorf("a stale etag, validate only: %v, want Aborted", err)
	}

	// Nothing was stored: both read as created, etags and all.
	gotO, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o.GetId()})
	if err != nil || gotO.GetOffer().GetSeats() != 4 || gotO.GetOffer().GetEtag() != o.GetEtag() {
		t.Errorf("the offer after validate only: %v %v; want it as created", gotO, err)
	}
	gotS, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: s.GetId()})
	if err != nil || len(gotS.GetSignUp().GetParty()) != 1 || gotS.GetSignUp().GetEtag() != s.GetEtag() {
		t.Errorf("the sign-up after validate only: %v %v; want it as created", gotS, err)
	}
}
