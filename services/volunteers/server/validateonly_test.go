package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/pkg/testutil/servicetest"
)

// TestValidateOnly: a create with validate_only is checked exactly as the
// create (every violation, the caller's scope, the organisation), and
// nothing is stored or published: the request id is still free after it
// (ADR 0135).
func TestValidateOnly(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	org := h.mustOrg(t, "ABF Malmö", "1280")
	const missing = "0190000a-0000-7000-8000-000000000000"
	coord := coordinator(org.GetId(), "1280")
	before, _ := h.streamEvents(t)

	res, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(org.GetId(), "1280"), RequestId: "req-1", ValidateOnly: true}, h.as(t, coord))
	if err != nil || res.GetVolunteer() != nil {
		t.Fatalf("a valid create, validate only: %v, %v; want no error and no volunteer", res, err)
	}
	bad := volunteerIn(org.GetId(), "1280")
	bad.GivenName, bad.HouseholdSize, bad.Contact.Email = "", -1, "not-an-address"
	_, err = h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: bad, ValidateOnly: true}, h.as(t, coord))
	got := servicetest.ViolatedFields(err)
	for _, f := range []string{"volunteer.given_name", "volunteer.household_size", "volunteer.contact.email"} {
		if !slices.Contains(got, f) {
			t.Errorf("a bad create, validate only: violations %v (%v); want one on %s", got, err, f)
		}
	}
	_, err = h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(org.GetId(), "0180"), ValidateOnly: true}, h.as(t, coord))
	wantCode(t, err, codes.PermissionDenied)
	_, err = h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(missing, "1280"), ValidateOnly: true}, h.as(t, admin))
	if !hasViolation(err, "volunteer.organisation_id") {
		t.Errorf("an admin naming a missing organisation, validate only: %v; want a violation on volunteer.organisation_id", err)
	}

	// Nothing was stored or published: no event, no volunteer, and the
	// request id makes a new volunteer.
	if after, _ := h.streamEvents(t); len(after) != len(before) {
		t.Fatalf("events after validate only: %d, want %d", len(after), len(before))
	}
	list, err := h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{}, h.as(t, coord))
	if err != nil || len(list.GetVolunteers()) != 0 {
		t.Fatalf("stored after validate only: %v %v", list, err)
	}
	created, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(org.GetId(), "1280"), RequestId: "req-1"}, h.as(t, coord))
	if err != nil || created.GetVolunteer().GetId() == "" {
		t.Fatalf("create after validate only: %v %v", created, err)
	}
}
