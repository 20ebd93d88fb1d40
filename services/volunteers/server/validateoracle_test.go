package server_test

import (
	"fmt"
	"testing"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/ids"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestValidateOnlyNoOracle: an update with validate_only of a volunteer
// the caller may not see answers byte for byte what the real update
// answers for an id that does not exist, whatever else it holds (a stale
// etag, bad fields, a move to an organisation that does not exist, a
// mask of 2,000 paths): validate_only tells nobody which ids exist, nor
// which organisations (ADR 0143).
func TestValidateOnlyNoOracle(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	org := h.mustOrg(t, "ABF Malmö", "1280")
	other := h.mustOrg(t, "Röda Korset Kalmar", "0880")
	coord := coordinator(org.GetId(), "1280")
	created, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(org.GetId(), "1280"), RequestId: "req-oracle"}, h.as(t, coord))
	if err != nil {
		t.Fatal(err)
	}
	stored := created.GetVolunteer()
	huge := make([]string, 0, 2000)
	for i := range 2000 {
		huge = append(huge, fmt.Sprintf("p%d", i))
	}
	changes := map[string]struct {
		change func(v *pb.Volunteer)
		paths  []string
	}{
		"a good change":       {func(v *pb.Volunteer) { v.GivenName = "Maja" }, []string{"given_name"}},
		"a stale etag":        {func(v *pb.Volunteer) { v.GivenName, v.Etag = "Maja", "0123456789abcdef01234567" }, []string{"given_name"}},
		"bad fields":          {func(v *pb.Volunteer) { v.GivenName, v.HouseholdSize = "", -1 }, []string{"given_name", "household_size"}},
		"a missing org":       {func(v *pb.Volunteer) { v.OrganisationId = "0190000a-0000-7000-8000-000000000000" }, []string{"organisation_id"}},
		"a huge mask":         {func(v *pb.Volunteer) {}, huge},
		"no mask":             {func(v *pb.Volunteer) {}, nil},
		"another org's place": {func(v *pb.Volunteer) { v.MunicipalityCode = "0880" }, []string{"municipality_code"}},
	}
	for name, c := range changes {
		for _, who := range []auth.Claims{coordinator(other.GetId(), "0880"), coordinator(org.GetId(), "0180")} {
			for _, validate := range []bool{true, false} {
				v := proto.Clone(stored).(*pb.Volunteer)
				c.change(v)
				unknown := proto.Clone(v).(*pb.Volunteer)
				unknown.Id = ids.UUIDv7{}.New()
				mask := &fieldmaskpb.FieldMask{Paths: c.paths}
				_, got := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: v, UpdateMask: mask, ValidateOnly: validate}, h.as(t, who))
				_, want := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: unknown, UpdateMask: mask}, h.as(t, who))
				if g, w := status.Convert(got).Proto(), status.Convert(want).Proto(); !proto.Equal(g, w) {
					t.Errorf("%s as %v, validate only %v: %v; want what an unknown id gets: %v", name, who.Municipalities, validate, g, w)
				}
			}
		}
	}
	got, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: stored.GetId()}, h.as(t, coord))
	if err != nil || got.GetVolunteer().GetEtag() != stored.GetEtag() {
		t.Fatalf("after the tries: %v %v; want the volunteer as created", got, err)
	}
}
