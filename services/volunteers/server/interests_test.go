package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	typev1 "github.com/motesplats/motesplats/pkg/gen/motesplats/type/v1"
	pb "github.com/motesplats/motesplats/pkg/gen/motesplats/volunteers/v1"
	"github.com/motesplats/motesplats/pkg/testutil"
)

// TestVolunteer_SwedishInterests: a volunteer's interests may be Swedish
// words with å, ä and ö, stored lower case in NFC on create and update
// (so they match a newcomer's); hostile tags are refused by field.
func TestVolunteer_SwedishInterests(t *testing.T) {
	t.Parallel()
	h := start(t)
	ctx := testutil.Context(t)
	org := h.mustOrg(t, "ABF Malmö", "1280")
	in := volunteerIn(org.GetId(), "1280")
	in.Interests = []string{"Trädgård ", "läsning"}
	v := h.mustVolunteer(t, admin, in)
	if got, want := v.GetInterests(), []string{"trädgård", "läsning"}; !slices.Equal(got, want) {
		t.Fatalf("stored interests %q, want %q", got, want)
	}
	res, err := h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{
		Volunteer:  &pb.Volunteer{Id: v.GetId(), Interests: []string{"SVAMPPLOCKNING", "tra\u0308dga\u030ard"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"interests"}}}, h.as(t, admin))
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if got, want := res.GetVolunteer().GetInterests(), []string{"svampplockning", "trädgård"}; !slices.Equal(got, want) {
		t.Fatalf("updated interests %q, want %q", got, want)
	}
	for _, tag := range []string{"<script>", "a\u0000b", "\u200fabc", "   ", "a,b"} {
		bad := volunteerIn(org.GetId(), "1280")
		bad.Interests = []string{tag}
		_, err := h.client.CreateVolunteer(ctx, &pb.CreateVolunteerRequest{Volunteer: bad}, h.as(t, admin))
		wantCode(t, err, codes.InvalidArgument)
		if !hasViolation(err, "volunteer.interests[0]") {
			t.Errorf("create with %q: violations %v, want volunteer.interests[0]", tag, err)
		}
		_, err = h.client.UpdateVolunteer(ctx, &pb.UpdateVolunteerRequest{
			Volunteer:  &pb.Volunteer{Id: v.GetId(), Interests: []string{tag}},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"interests"}}}, h.as(t, admin))
		wantCode(t, err, codes.InvalidArgument)
	}
}

// TestVolunteer_PhoneAsTyped: a number typed "070 123 45 67" is stored as
// +46701234567 (the form notify sends text messages to).
func TestVolunteer_PhoneAsTyped(t *testing.T) {
	t.Parallel()
	h := start(t)
	org := h.mustOrg(t, "ABF Malmö", "1280")
	in := volunteerIn(org.GetId(), "1280")
	in.Contact = &typev1.Contact{Phone: "070 123 45 67"}
	v := h.mustVolunteer(t, admin, in)
	if got := v.GetContact().GetPhone(); got != "+46701234567" {
		t.Fatalf("stored phone %q, want +46701234567", got)
	}
}
