package server_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/dinners/v1"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// createRequests are the offers and sign-ups the validate_only create
// tests send, coordA's scope unless named: good ones, ones with every
// kind of mistake, and ones naming a host or newcomer that is not the
// organisation's.
func createRequests() (map[string]*pb.CreateOfferRequest, map[string]*pb.CreateSignUpRequest) {
	badOffer := offer("h-1", orgA, "0180", 40, date(5), date(5))
	badOffer.Postcode, badOffer.Dinners[0].StartTime = "1", "kväll"
	otherHost := offer("h-1", orgB, "0180", 4, date(5))
	badSignUp := signUp("g-1", orgA, "0180", 40, date(10))
	badSignUp.Postcode, badSignUp.SfiClass = "1", "no spaces"
	return map[string]*pb.CreateOfferRequest{
			"good":         {RequestId: "o-1", Offer: offer("h-1", orgA, "0180", 4, date(5))},
			"bad fields":   {RequestId: "no spaces", Offer: badOffer},
			"unknown host": {RequestId: "o-2", Offer: offer("h-nope", orgA, "0180", 4, date(5))},
			"org B":        {RequestId: "o-3", Offer: otherHost},
			"no offer":     {RequestId: "o-4"},
		}, map[string]*pb.CreateSignUpRequest{
			"good":          {RequestId: "s-1", SignUp: signUp("g-1", orgA, "0180", 2, date(10))},
			"bad fields":    {RequestId: "s-2", SignUp: badSignUp},
			"bad request":   {RequestId: "no spaces", SignUp: signUp("g-1", orgA, "0180", 2, date(10))},
			"unknown guest": {RequestId: "s-3", SignUp: signUp("g-nope", orgA, "0180", 2, date(10))},
			"org B":         {RequestId: "s-4", SignUp: signUp("g-1", orgB, "0180", 2, date(10))},
		}
}

// TestValidateOnlyCreate: an offer or sign-up create with validate_only
// is checked by the create's own code and answers byte for byte what the
// create answers (every violation, the scope, the host or newcomer), for
// the caller's own organisation, another organisation's coordinator and
// one of another municipality, so it tells nobody more than a create
// would; and it stores nothing: a good request returns no record, and the
// same request id still creates afterwards (ADR 0144).
func TestValidateOnlyCreate(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	e.people(ctx, orgA, "0180", []string{"g-1"}, []string{"h-1"})
	offers, signUps := createRequests()
	// The failing creates first (they store nothing), the caller's own
	// good ones last, after validate_only was asked of them.
	for _, who := range []auth.Claims{coordB, coordA2, coordA} {
		c := e.as(who)
		sameAsCreate(t, who, offers, func(r *pb.CreateOfferRequest, validate bool) error {
			r.ValidateOnly = validate
			_, err := c.CreateOffer(ctx, r)
			return err
		})
		sameAsCreate(t, who, signUps, func(r *pb.CreateSignUpRequest, validate bool) error {
			r.ValidateOnly = validate
			_, err := c.CreateSignUp(ctx, r)
			return err
		})
	}
	c := e.as(coordA)
	try := proto.Clone(offers["good"]).(*pb.CreateOfferRequest)
	try.ValidateOnly = true
	if res, err := c.CreateOffer(ctx, try); err != nil || res.GetOffer() != nil {
		t.Fatalf("a good offer, validate only: %v, %v; want no error and no offer", res, err)
	}
	trySignUp := proto.Clone(signUps["good"]).(*pb.CreateSignUpRequest)
	trySignUp.ValidateOnly = true
	if res, err := c.CreateSignUp(ctx, trySignUp); err != nil || res.GetSignUp() != nil {
		t.Fatalf("a good sign-up, validate only: %v, %v; want no error and no sign-up", res, err)
	}
	os, err := c.ListOffers(ctx, &pb.ListOffersRequest{})
	if err != nil || os.GetTotalSize() != 0 {
		t.Fatalf("offers after validate only: %v %v; want none", os, err)
	}
	sus, err := c.ListSignUps(ctx, &pb.ListSignUpsRequest{})
	if err != nil || sus.GetTotalSize() != 0 {
		t.Fatalf("sign-ups after validate only: %v %v; want none", sus, err)
	}
	// The request ids were not taken: the creates store what was asked.
	if res, err := c.CreateOffer(ctx, offers["good"]); err != nil || res.GetOffer().GetSeats() != 4 {
		t.Errorf("the good offer created after validate only: %v %v", res, err)
	}
	if res, err := c.CreateSignUp(ctx, signUps["good"]); err != nil || len(res.GetSignUp().GetParty()) != 2 {
		t.Errorf("the good sign-up created after validate only: %v %v", res, err)
	}
	// One newcomer's sign-ups (a newcomer's page, ADR 0275): theirs alone,
	// none for another id, a malformed id refused on its field.
	for id, want := range map[string]int32{signUps["good"].GetSignUp().GetParticipantId(): 1, "no-such-newcomer": 0} {
		if sus, err := c.ListSignUps(ctx, &pb.ListSignUpsRequest{ParticipantId: id}); err != nil || sus.GetTotalSize() != want {
			t.Errorf("sign-ups of participant %q: %v %v; want %d", id, sus, err, want)
		}
	}
	if _, err := c.ListSignUps(ctx, &pb.ListSignUpsRequest{ParticipantId: "%%"}); status.Code(err) != codes.InvalidArgument || !slices.Equal(servicetest.ViolatedFields(err), []string{"participant_id"}) {
		t.Errorf("sign-ups of a malformed participant id: %v; want InvalidArgument on participant_id", err)
	}
}

// sameAsCreate sends each of reqs but coordA's good one as who, with
// validate_only and without, and fails t unless the create is refused and
// validate_only answers byte for byte what it answered.
func sameAsCreate[R proto.Message](t *testing.T, who auth.Claims, reqs map[string]R, create func(r R, validate bool) error) {
	t.Helper()
	for name, r := range reqs {
		if name == "good" && who.Subject == coordA.Subject {
			continue
		}
		got := create(proto.Clone(r).(R), true)
		want := create(proto.Clone(r).(R), false)
		if want == nil {
			t.Fatalf("%s as %s: created; the test wants a refused create", name, who.Subject)
		}
		if g, w := status.Convert(got).Proto(), status.Convert(want).Proto(); !proto.Equal(g, w) {
			t.Errorf("%s as %s, validate only: %v; want what the create answers: %v", name, who.Subject, g, w)
		}
	}
}

// TestCreateNamesRequestIDWithTheRest: a sign-up create without a request
// id and with wrong fields names them all in one answer, as the offer's
// create does: it named only request_id, and a script that added one was
// then told of the postcode, the party and the class (outside round s29).
func TestCreateNamesRequestIDWithTheRest(t *testing.T) {
	ctx := context.Background()
	e := startEnv(t, 1, serverOptions())
	c := e.as(coordA)
	_, signUps := createRequests()
	bad := proto.Clone(signUps["bad fields"]).(*pb.CreateSignUpRequest)
	bad.RequestId = ""
	for _, validate := range []bool{true, false} {
		bad.ValidateOnly = validate
		_, err := c.CreateSignUp(ctx, bad)
		got := servicetest.ViolatedFields(err)
		for _, want := range []string{"request_id", "sign_up.postcode", "sign_up.party", "sign_up.sfi_class"} {
			if !slices.Contains(got, want) {
				t.Errorf("validate_only %v: violations %v, want %s among them", validate, got, want)
			}
		}
	}
}
