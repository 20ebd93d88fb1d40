package server_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	eventsv1 "github.com/motesplats/motesplats/pkg/gen/motesplats/events/v1"
	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
	"github.com/motesplats/motesplats/services/volunteers/internal/volunteer"
)

// TestOrganisationExistenceIsNoOracle: a coordinator naming another
// organisation gets the same answer whether it exists or not, on create and
// on update; an admin still learns that an unknown organisation is unknown.
func TestOrganisationExistenceIsNoOracle(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	mine := h.mustOrg(t, "ABF Malmö", "1280")
	other := h.mustOrg(t, "Röda Korset Lund", "1280")
	const missing = "0190000a-0000-7000-8000-000000000000"
	coord := coordinator(mine.GetId(), "1280")

	answer := func(err error) string {
		s := status.Convert(err)
		return s.Code().String() + ": " + s.Message()
	}
	_, errOther := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(other.GetId(), "1280")}, h.as(t, coord))
	_, errMissing := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(missing, "1280")}, h.as(t, coord))
	wantCode(t, errOther, codes.PermissionDenied)
	if a, b := answer(errOther), answer(errMissing); a != b {
		t.Errorf("create: another organisation answers %q, a missing one %q; want the same", a, b)
	}

	v := h.mustVolunteer(t, coord, volunteerIn(mine.GetId(), "1280"))
	move := func(org string) error {
		_, err := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{
			Volunteer:  &pb.Volunteer{Id: v.GetId(), OrganisationId: org},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"organisation_id"}}}, h.as(t, coord))
		return err
	}
	errOther, errMissing = move(other.GetId()), move(missing)
	wantCode(t, errOther, codes.PermissionDenied)
	if a, b := answer(errOther), answer(errMissing); a != b {
		t.Errorf("update: another organisation answers %q, a missing one %q; want the same", a, b)
	}

	_, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: volunteerIn(missing, "1280")}, h.as(t, admin))
	wantCode(t, err, codes.InvalidArgument)
	if !hasViolation(err, "volunteer.organisation_id") {
		t.Errorf("admin naming a missing organisation: %v, want a violation on volunteer.organisation_id", err)
	}
}

func TestVolunteerListsBounded(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	org := h.mustOrg(t, "ABF Malmö", "1280")
	with := func(f func(v *pb.Volunteer)) *pb.Volunteer {
		v := volunteerIn(org.GetId(), "1280")
		f(v)
		return v
	}
	allRoles := func() []*eventsv1.RoleCapacity {
		var rs []*eventsv1.RoleCapacity
		for r := range int32(volunteer.MaxRoles) {
			rs = append(rs, &eventsv1.RoleCapacity{Role: eventsv1.VolunteerRole(r + 1), Capacity: 1})
		}
		return rs
	}
	for _, tc := range []struct {
		name  string
		in    *pb.Volunteer
		field string
	}{
		{"2,000,000 diets served", with(func(v *pb.Volunteer) { v.DietsServed = make([]typev1.Diet, 2_000_000) }), "volunteer.diets_served"},
		{"100,000 roles", with(func(v *pb.Volunteer) { v.Roles = make([]*eventsv1.RoleCapacity, 100_000) }), "volunteer.roles"},
		{"seven roles", with(func(v *pb.Volunteer) { v.Roles = append(allRoles(), &eventsv1.RoleCapacity{Role: 1}) }), "volunteer.roles"},
		{"diet served twice", with(func(v *pb.Volunteer) { v.DietsServed = []typev1.Diet{2, 2} }), "volunteer.diets_served[1]"},
		{"nine diets served", with(func(v *pb.Volunteer) { v.DietsServed = []typev1.Diet{1, 2, 3, 4, 5, 6, 7, 8, 8} }), "volunteer.diets_served"},
	} {
		_, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: tc.in}, h.as(t, admin))
		if status.Code(err) != codes.InvalidArgument || !hasViolation(err, tc.field) {
			t.Errorf("%s: %v, want InvalidArgument on %s", tc.name, err, tc.field)
		}
	}
	h.mustVolunteer(t, admin, with(func(v *pb.Volunteer) { v.Roles = allRoles() }))
	for _, role := range []eventsv1.VolunteerRole{999, -5} {
		_, err := h.client.ListVolunteers(ctx, &pb.ListVolunteersRequest{Role: role}, h.as(t, admin))
		if status.Code(err) != codes.InvalidArgument || !hasViolation(err, "role") {
			t.Errorf("list role %d: %v, want InvalidArgument on role", role, err)
		}
	}
	if got, want := volunteer.MaxRoles, len(eventsv1.VolunteerRole_name)-1; got != want {
		t.Errorf("MaxRoles=%d, want one per role (%d)", got, want)
	}
}
