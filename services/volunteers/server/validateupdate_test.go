package server_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/motesplats/motesplats/pkg/auth"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestValidateOnlyUpdate: an update with validate_only is checked as the
// update would be (every violation, the move's scope, a new
// organisation's existence) and stores and publishes nothing: the web
// edit form asks it when it refuses a field itself (ADR 0139).
func TestValidateOnlyUpdate(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	org := h.mustOrg(t, "ABF Malmö", "1280")
	const missing = "0190000a-0000-7000-8000-000000000000"
	coord := coordinator(org.GetId(), "1280")
	created, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(org.GetId(), "1280"), RequestId: "req-1"}, h.as(t, coord))
	if err != nil {
		t.Fatal(err)
	}
	stored := created.GetVolunteer()
	before, _ := h.streamEvents(t)
	update := func(who auth.Claims, change func(v *pb.Volunteer), paths ...string) (*pb.UpdateVolunteerResponse, error) {
		v := proto.Clone(stored).(*pb.Volunteer)
		change(v)
		return h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: v, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}, ValidateOnly: true}, h.as(t, who))
	}

	res, err := update(coord, func(v *pb.Volunteer) { v.GivenName = "Maja" }, "given_name")
	if err != nil || res.GetVolunteer() != nil {
		t.Fatalf("a valid change, validate only: %v, %v; want no error and no volunteer", res, err)
	}
	_, err = update(coord, func(v *pb.Volunteer) { v.GivenName, v.HouseholdSize, v.Contact.Email = "", -1, "not-an-address" },
		"given_name", "household_size", "contact")
	for _, f := range []string{"volunteer.given_name", "volunteer.household_size", "volunteer.contact.email"} {
		if !hasViolation(err, f) {
			t.Errorf("three bad fields, validate only: %v; want a violation on %s", err, f)
		}
	}
	_, err = update(coord, func(v *pb.Volunteer) { v.MunicipalityCode = "0180" }, "municipality_code")
	wantCode(t, err, codes.PermissionDenied)
	_, err = update(admin, func(v *pb.Volunteer) { v.OrganisationId = missing }, "organisation_id")
	if !hasViolation(err, "volunteer.organisation_id") {
		t.Errorf("an admin moving to a missing organisation, validate only: %v; want a violation on volunteer.organisation_id", err)
	}

	// Nothing was stored or published: the record and its etag are as
	// created, and one real update adds exactly one event.
	got, err := h.client.GetVolunteer(ctx, &pb.GetVolunteerRequest{Id: stored.GetId()}, h.as(t, coord))
	if err != nil || got.GetVolunteer().GetGivenName() != "Astrid" || got.GetVolunteer().GetEtag() != stored.GetEtag() {
		t.Fatalf("after validate only: %v %v; want the volunteer as created", got, err)
	}
	v := proto.Clone(stored).(*pb.Volunteer)
	v.GivenName = "Maja"
	if _, err := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{Volunteer: v, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"given_name"}}}, h.as(t, coord)); err != nil {
		t.Fatal(err)
	}
	testutil.CheckFor(t, 10*time.Second, 20*time.Millisecond, func() error {
		if after, _ := h.streamEvents(t); len(after) != len(before)+1 {
			return fmt.Errorf("events: %d, want %d (one update)", len(after), len(before)+1)
		}
		return nil
	})
}
