package server_test

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/ids"
)

// TestValidateOnlyNoOracle: an offer or sign-up update with validate_only
// of a record the caller may not see answers byte for byte what the real
// update answers for an id that does not exist, whatever else the
// request holds (a stale etag, bad fields, fewer seats, a mask of 2,000
// paths), so validate_only tells nobody which ids exist (ADR 0143).
func TestValidateOnlyNoOracle(t *testing.T) {
	ctx := context.Background()
	e, o, s := oneOfferOneSignUp(t)
	c := e.as(coordA)
	huge := make([]string, 0, 2000)
	for i := range 2000 {
		huge = append(huge, fmt.Sprintf("p%d", i))
	}
	offers := map[string]*pb.UpdateOfferRequest{
		"good":        {Offer: &pb.Offer{Seats: 6}, UpdateMask: mask("seats"), Etag: o.GetEtag()},
		"stale etag":  {Offer: &pb.Offer{Seats: 6}, UpdateMask: mask("seats"), Etag: "stale"},
		"fewer seats": {Offer: &pb.Offer{Seats: 2}, UpdateMask: mask("seats")},
		"bad fields":  {Offer: &pb.Offer{Seats: 40, Postcode: "1"}, UpdateMask: mask("seats", "postcode")},
		"huge mask":   {Offer: &pb.Offer{}, UpdateMask: mask(huge...)},
	}
	signUps := map[string]*pb.UpdateSignUpRequest{
		"good":       {SignUp: &pb.SignUp{Postcode: "11122"}, UpdateMask: mask("postcode"), Etag: s.GetEtag()},
		"stale etag": {SignUp: &pb.SignUp{Postcode: "11122"}, UpdateMask: mask("postcode"), Etag: "stale"},
		"bad fields": {SignUp: &pb.SignUp{Postcode: "1", Party: party(40)}, UpdateMask: mask("postcode", "party")},
		"huge mask":  {SignUp: &pb.SignUp{}, UpdateMask: mask(huge...)},
	}
	same := func(what string, got, want error) {
		t.Helper()
		if g, w := status.Convert(got).Proto(), status.Convert(want).Proto(); !proto.Equal(g, w) {
			t.Errorf("%s: %v; want what an unknown id gets: %v", what, g, w)
		}
	}
	for _, who := range []auth.Claims{coordB, coordA2} {
		for name, r := range offers {
			for _, validate := range []bool{true, false} {
				try := proto.Clone(r).(*pb.UpdateOfferRequest)
				try.Offer.Id, try.ValidateOnly = o.GetId(), validate
				unknown := proto.Clone(r).(*pb.UpdateOfferRequest)
				unknown.Offer.Id = ids.UUIDv7{}.New()
				_, got := e.as(who).UpdateOffer(ctx, try)
				_, want := e.as(who).UpdateOffer(ctx, unknown)
				same(fmt.Sprintf("offer, %s, as %s, validate only %v", name, who.Subject, validate), got, want)
			}
		}
		for name, r := range signUps {
			for _, validate := range []bool{true, false} {
				try := proto.Clone(r).(*pb.UpdateSignUpRequest)
				try.SignUp.Id, try.ValidateOnly = s.GetId(), validate
				unknown := proto.Clone(r).(*pb.UpdateSignUpRequest)
				unknown.SignUp.Id = ids.UUIDv7{}.New()
				_, got := e.as(who).UpdateSignUp(ctx, try)
				_, want := e.as(who).UpdateSignUp(ctx, unknown)
				same(fmt.Sprintf("sign-up, %s, as %s, validate only %v", name, who.Subject, validate), got, want)
			}
		}
	}
	gotO, err := c.GetOffer(ctx, &pb.GetOfferRequest{Id: o.GetId()})
	if err != nil || gotO.GetOffer().GetEtag() != o.GetEtag() {
		t.Errorf("the offer after the tries: %v %v; want it as created", gotO, err)
	}
	gotS, err := c.GetSignUp(ctx, &pb.GetSignUpRequest{Id: s.GetId()})
	if err != nil || gotS.GetSignUp().GetEtag() != s.GetEtag() {
		t.Errorf("the sign-up after the tries: %v %v; want it as created", gotS, err)
	}
}

// oneOfferOneSignUp starts a service with a host's offer of 4 seats and a
// newcomer's sign-up for one, both coordA's in Stockholm, to edit.
func oneOfferOneSignUp(t *testing.T) (*env, *pb.Offer, *pb.SignUp) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1"})
	c := e.as(coordA)
	return e, e.mustOffer(ctx, c, offer("h-1", orgA, "0180", 4, date(5), date(12))), e.mustSignUp(ctx, c, signUp("g-1", orgA, "0180", 1, date(10)))
}
